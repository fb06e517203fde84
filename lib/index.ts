// stackless for Node.js: the `stackless` module layer (NODE.md 3.2-3.4) over two engines.
//
// A thread starts on the JS engine (./engine.ts; onEngine): every operation below goes to it first.
// When the thread first needs the core (a native or hard tasklet, C code using the C API), toCore
// moves the engine's state into the native core (the N-API addon), for good, and the operations
// take their core branches from then on.
//
// On the core, generator tasklets are driven by the trampoline below, which runs on the thread's
// stack: it resumes the current tasklet's generator with the result of its last operation, and
// lets the core run native tasklets (hostStep) when one is current. The protocol with the addon
// (the shared Int32Array I, the value slots `tv`) is described in native/binding/binding.cc.
import * as path from 'path';
import { isMainThread } from 'worker_threads';
import {
  BaseException, SystemExit, TaskletExit, KeyboardInterrupt, Exception, StopIteration, RuntimeError,
  NotImplementedError, RecursionError, ValueError, SystemError, AttributeError, ArithmeticError,
  OverflowError, ZeroDivisionError, MemoryError, LookupError, KeyError, IndexError, AssertionError,
  makeError, pyname, excFromThrowArgs, excFromClassArgs, typeName, excClassFor, quietTaskletExit,
} from './errors';
import * as E from './engine';
import { hard_available, loadHard, hardModule, captureContext, withContext, AsyncCtx } from './hard';

/** Does the JS engine run this thread (E.isOn(), kept here: it is read by every operation)? */
let onEngine = true;
// (module constants: every use of an imported name would be a property load on the module)
const {
  Boom, K_MASK, S_PREP, S_RET, S_THREW, S_HARD_SET, S_HARD_ON, S_ALIVE, S_STARTED, S_RUNQ, S_BSEND, S_BLOCKED,
  S_ATOMIC, S_IGN, S_BTRAP, S_MAIN, C_CLOSING, C_SA, C_P0, C_P1, prefOf, prefBits,
} = E;

export {
  BaseException, SystemExit, TaskletExit, KeyboardInterrupt, Exception, StopIteration, RuntimeError,
  NotImplementedError, RecursionError, ValueError, SystemError, AttributeError, ArithmeticError,
  OverflowError, ZeroDivisionError, MemoryError, LookupError, KeyError, IndexError, AssertionError,
};

// The addon is N-API only, so one binary serves every Node version. node-gyp-build picks a local
// build (build/Release, build/Debug) first, else prebuilds/<platform>-<arch>/ of the package;
// STACKLESS_PREBUILD=<dir> makes it look in <dir> instead (the cmake-js check uses that).
// It matches any *.node under build/Release: other addons (the hard-tasklet module) build
// into their own directories.
function loadAddon(): any {
  const root = path.resolve(__dirname, '..');
  try {
    return require('node-gyp-build')(root);
  } catch (e: any) {
    if (!/^No native build was found/.test(e && e.message)) throw e;   // found but failed to load
    throw new Error(`stackless: no native addon for ${process.platform}-${process.arch} in ${root} `
      + '(looked in build/Release, build/Debug and prebuilds/). Build it: in a checkout '
      + '`npm run build:addon` (node-gyp) or `npm run build:addon:cmake` (cmake-js); as an '
      + 'installed dependency `npm rebuild stackless` (newer npm releases skip the install scripts '
      + 'of dependencies until they are allowed: `npm install-scripts approve stackless` first). '
      + `(node-gyp-build: ${e.message.trim()})`);
  }
}

// (copied into a plain object: the addon's exports object is in dictionary mode, and every
// B.f() on it would be a LoadIC call in optimized code instead of a constant)
const addon = loadAddon();
const B = { ...addon };

// shared Int32Array indices and delivery modes (binding.cc)
const ST = 0, CUR = 1, PART = 2, MODE = 3, A0 = 4, A1 = 5, A2 = 6, OUT = 7, QHEAD = 8, WD = 9;
const M_JSV = 1, M_NONE = 0, M_VAL = 2, M_THROW = 3, M_HARD = 4;

const I = new Int32Array(16);
const R: any[] = [];   // slot -> tasklet object (0: main); the JS side of every native JS tasklet

/** Returned by an _nr call that switched; a generator tasklet yields it (NODE.md 3.3). */
export const Py_UnwindToken: object = Object.freeze(Object.create(null, {
  toString: { value: () => 'Py_UnwindToken' },
}));
const UNWIND = Py_UnwindToken;

/** Whether plain-function tasklets can block (the hard-tasklet module is built for this Node). */
export { hard_available };

// What the addon calls back into (binding.cc): class names of JS exceptions, JS objects for
// native tasklets and for bombs, exception classes.
const helpers = {
  pyname,
  typeName,
  mkNative(slot: number): tasklet {
    const t = new tasklet();
    t._slot = slot;
    R[slot] = t;
    return t;
  },
  mkBomb(type: unknown, value: unknown, tb: unknown): bomb { return new bomb(type, value, tb); },
  excType(value: unknown, name: string): unknown { return excClassFor(value, name); },
  // binding.cc PyStackless_FromJS: a C caller is about to use the core
  toCore(): void { toCore(); },
  // binding.cc hook_step: the trampoline, nested inside a core call of main; returns main's value
  nested(v: unknown): unknown {
    pending = v;
    trampoline();
    const r = pending;
    pending = undefined;
    return r;
  },
};
B.init(I, R, makeError, helpers, hard_available);

const GeneratorFunction = Object.getPrototypeOf(function* () { /* */ }).constructor;
// (f.constructor is an inline-cached load; Object.getPrototypeOf(f) is a runtime call)
const isGenFn = (f: any): number => (typeof f === 'function' && f.constructor === GeneratorFunction ? 1 : 0);
// How a tasklet runs its function (binding.cc JS_*): 1 generator (soft), 2 plain function on an
// OS thread of its own (hard), 0 plain function on the scheduler's stack ({ hard: false }, or no
// hard module).
const KIND_GEN = 1, KIND_HARD = 2;
function kindOf(f: unknown, hard: boolean | undefined): number {
  if (isGenFn(f)) return 1;
  if (typeof f !== 'function' || hard === false || !hard_available) return 0;
  hardOrThrow();   // loaded at the first hard tasklet
  toCore();        // (hard tasklets run in the core)
  return KIND_HARD;
}
const EMPTY: unknown[] = [];

// ---- the trampoline ---------------------------------------------------------------------------

let pending: unknown;   // the new current tasklet's resume value, delivered as I[MODE] says
/** hard tasklets' async contexts (captured at setup) */
const hardCtx = new WeakMap<tasklet, AsyncCtx>();

// (R[slot] stays until the addon is done: the schedule callback and the error handler see the
// dying tasklet as prev / current)
function endTasklet(t: tasklet, slot: number, threw: boolean, e?: unknown): void {
  t._ga = undefined;   // dead: unbound, like U (STATES.md 1): tempval undefined, setup() fails
  t._st &= ~(S_PREP | S_STARTED | S_RET | S_THREW);
  t._slot = -1;
  t.tv = undefined;
  hardCtx.delete(t);
  I[A0] = slot;
  if (threw) {
    I[A1] = 1;
    pending = B.end(pyname(e), e);
  } else {
    I[A1] = 0;
    pending = B.end();
  }
  if (R[slot] === t) R[slot] = undefined;
}

/** Runs tasklets until the main tasklet is current again. */
function trampoline(): void {
  for (;;) {
    const slot = I[CUR];
    if (slot === 0) return;
    if (slot < 0) {
      pending = B.hostStep();
      continue;
    }
    const t: tasklet = R[slot];
    const mode = I[MODE];
    if (mode === M_HARD) {
      // it runs on its thread (and takes its resume value there) until it hands control back
      pending = withContext(hardCtx.get(t) as AsyncCtx, B.hostStep);
      continue;
    }
    let v = pending;
    pending = undefined;
    let g = t._ga;
    let res: IteratorResult<unknown>;
    if (t._returned) {
      // it returned (or threw) right after a switching call (see below): it ends now that it
      // runs again
      if (mode === M_THROW) endTasklet(t, slot, true, v);
      else if ((t._st & S_THREW) !== 0) endTasklet(t, slot, true, t._ga);
      else endTasklet(t, slot, false);
      continue;
    }
    try {
      if ((t._st & S_STARTED) === 0) {
        t._st = (t._st & ~S_PREP) | S_STARTED;
        if (mode === M_THROW) throw v;
        if ((t._st & K_MASK) !== KIND_GEN) {
          t._ga = undefined;
          g();   // the prepared call of a plain function
          endTasklet(t, slot, false);
          continue;
        }
        res = g.next();
      } else if (mode === M_THROW) {
        res = g.throw(v);
      } else {
        if (mode === M_JSV) {
          v = t.tv;
          t.tv = undefined;
        } else if (mode === M_NONE) {
          v = undefined;
        }
        res = g.next(v);
      }
      // A call that switched may hand back something other than the token (an int _nr
      // function of the C-API mirror returns 1): a change of the current tasklet is the test.
      while (res.done !== true && res.value !== UNWIND && I[CUR] === slot) {
        if (I[WD] !== 0) {
          // a timed run() is active: this yield is an interruption point (binding.cc poll)
          const r = B.poll();
          if (I[ST] === 1) {
            t.tv = res.value;   // what the generator gets back when it is resumed
            pending = r;
            break;
          }
        }
        res = g.next(res.value);
      }
    } catch (e) {
      if (I[CUR] === slot) {
        endTasklet(t, slot, true, e);
      } else {
        t._st |= S_RET | S_THREW;   // it switched, then threw: it ends with e when it runs again
        t._ga = e;
      }
      continue;
    }
    if (res.done === true) {
      if (I[CUR] !== slot) t._returned = true;   // `return ch.send_nr(x)`: it switched first
      else endTasklet(t, slot, false);
    }
  }
}

function hardOrThrow(): any {
  if (!hard_available) {
    throw new RuntimeError('hard tasklets are not available: the hard-tasklet module is not built for this ' +
      `Node (ABI ${process.versions.modules}); run npm run build:hard`);
  }
  return hardModule() ?? loadHard(B.hardIface(), runHard, abortHard);
}

/**
 * hard_configure({ stackSize?, maxIdle? }): settings of the hard tasklets' OS threads, for
 * threads created from now on (stackSize: bytes, at least 131072, default 262144; maxIdle: idle
 * threads kept for reuse, default 64). Returns the settings in force.
 */
export function hard_configure(options?: { stackSize?: number; maxIdle?: number }): { stackSize: number; maxIdle: number } {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError('hard_configure() takes an object like { stackSize: 262144, maxIdle: 64 }');
  }
  return hardOrThrow().configure(options);
}

/** hard_stats(): { threads, idle, created, steps, preemptions, interrupts, staleInterrupts }. */
export function hard_stats(): Record<string, number> { return hardOrThrow().stats(); }

/** A hard tasklet's whole life, on its own thread (called by the hard module). */
function runHard(): void {
  const slot = I[CUR];
  const t: tasklet = R[slot];
  let threw = false, err: unknown;
  try {
    check(B.hardBegin());   // a kill or throw that came before the start raises here
    const call = t._ga;
    t._ga = undefined;
    t._st = (t._st & ~S_PREP) | S_STARTED;
    call();
  } catch (e) {
    threw = true;
    err = e;
  }
  // (an interrupt can still pause it up to here, whole; from here on the module ignores them)
  hardModule().ending();
  endTasklet(t, slot, threw, err);
}

/** Ends the current hard tasklet with msg as a RuntimeError (no thread for it), or with the
 * exception it was resumed with after a preemption (its JS was unwound by termination). */
function abortHard(msg?: string): void {
  const slot = I[CUR];
  endTasklet(R[slot], slot, true, msg === undefined ? B.hardError() : new RuntimeError(msg));
}

/** The main tasklet's call switched away: run the others until it is back, return its value. */
function mainWait(r: unknown): unknown {
  pending = r;
  return mainResume();
}

/** The core's trampoline runs until main is current; returns main's resume value. */
function mainResume(): unknown {
  trampoline();
  const mode = I[MODE];
  let v = pending;
  pending = undefined;
  if (mode === M_THROW) throw v;
  if (mode === M_JSV) {
    const m = R[0];
    v = m.tv;
    m.tv = undefined;
  } else if (mode === M_NONE) {
    v = undefined;
  }
  return v;
}

/** The end of every switching call: r is what the addon returned, me the caller's slot. */
function fin(me: number, r: unknown): unknown {
  const st = I[ST];
  if (st === 0) return r;
  if (st === 1) {
    if (me === 0) return mainWait(r);
    pending = r;
    return UNWIND;
  }
  throw r;
}

function check(r: unknown): void {
  if (I[ST] === 2) throw r;
}

// ---- tasklet ----------------------------------------------------------------------------------

function boolArg(v: unknown, msg: string): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v !== 0 ? 1 : 0;
  throw new TypeError(msg);
}

/** The function t is bound to and not set up with yet (the core's tempval of a bound tasklet). */
function boundFn(t: tasklet): any { return (t._st & (S_PREP | S_STARTED)) === 0 ? t._ga : undefined; }

/**
 * What a tasklet set up with fn(...args) runs when it starts. A generator function is called now:
 * that makes its generator (no code of its body runs; only its parameters are bound, default
 * values included), so that a tasklet waiting to start keeps no argument array. An exception from
 * binding the parameters is thrown when the tasklet starts, as the call would throw it then.
 * A plain function's call is kept as a closure.
 */
function prepareCall(fn: any, args: unknown[], kind: number): any {
  if (kind === KIND_GEN) {
    try {
      return fn(...args);
    } catch (e) {
      return failedStart(e);
    }
  }
  return () => fn(...args);
}
function* failedStart(e: unknown): Generator<never, never, unknown> { throw e; }

export class tasklet {
  // (5 fields: a blocked tasklet's size is what a million of them cost)
  /** @internal the function it is bound to; once set up (S_PREP) what it runs: the generator
   * (made at setup: see prepareCall) or a plain function's call; once started (S_STARTED) the
   * generator */
  _ga: any = undefined;
  /** @internal the JS value slot: a value handed over, or the resume value (binding.cc); the
   * tempval while the engine runs the thread */
  tv: unknown = undefined;
  /** @internal engine: the next tasklet in the run queue or channel queue */ _next: tasklet | null = null;
  /** @internal on the engine: the channel it is blocked on; on the core: the core tasklet's slot
   * (see _slot) */
  _chan: any = null;
  /** @internal kind and flags (engine.ts S_*; in core mode the kind, S_STARTED, S_RET and the
   * option) */
  _st = 0;

  constructor(func?: unknown, args?: unknown[] | null, kwargs?: object | null, options?: { hard?: boolean }) {
    if (typeof func === 'function' && args === undefined && kwargs === undefined && options === undefined) {
      this._ga = func;   // the common `new tasklet(fn)`: what bind(fn) does for a new tasklet
      this._st = kindOf(func, undefined);
      return;
    }
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object') throw new TypeError('tasklet options must be an object like { hard: false }');
      if (options.hard !== undefined) this._st |= options.hard ? S_HARD_SET | S_HARD_ON : S_HARD_SET;
    }
    if (func !== undefined || (args !== undefined && args !== null) || (kwargs !== undefined && kwargs !== null)) {
      this.bind(func, args, kwargs);
    }
  }

  /** @internal the core tasklet's slot (-1: none, yet): kept in _chan, which only the engine uses
   * for a channel; main's is always 0 */
  get _slot(): number {
    const c = this._chan;
    return typeof c === 'number' ? c : this === mainTasklet ? 0 : -1;
  }
  set _slot(s: number) { this._chan = s >= 0 && this !== mainTasklet ? s : null; }
  /** @internal how its function runs (kindOf) */
  get _isGen(): number { return this._st & K_MASK; }
  set _isGen(k: number) { this._st = (this._st & ~K_MASK) | k; }
  /** @internal it returned right after a switching call (the trampoline ends it when it runs) */
  get _returned(): boolean { return (this._st & S_RET) !== 0; }
  set _returned(v: boolean) { this._st = v ? this._st | S_RET : this._st & ~(S_RET | S_THREW); }
  /** @internal the { hard } option */
  get _hard(): boolean | undefined { return (this._st & S_HARD_SET) === 0 ? undefined : (this._st & S_HARD_ON) !== 0; }

  /** @internal create the core tasklet in a new slot; setUp: also set it up (runnable) */
  _newSlot(setUp: number): number {
    I[A0] = this._st & K_MASK;
    I[A1] = setUp;
    const e = B.tNew();
    if (I[ST] === 2) throw e;
    const s = I[OUT];
    this._slot = s;
    R[s] = this;
    return s;
  }

  /** @internal the core tasklet (core mode), created on first need with what the engine knew */
  _native(): number {
    if (this._slot < 0) {
      if (engineState(this)) {
        const ch = this._chan;
        if (ch !== null) ch._cid();   // a blocked tasklet moves in with its channel's whole queue
        else adopt(this, 0, -1, 0);
        return this._slot;
      }
      const s = this._newSlot(0);
      if (boundFn(this) === undefined) {
        I[A0] = s; I[A1] = 0; I[A2] = 0;
        check(B.tBind());
      }
    }
    return this._slot;
  }
  /** @internal core mode: the slot, after moving in what the engine knew (-1: no core tasklet) */
  _sl(): number {
    if (this._slot < 0 && engineState(this)) this._native();
    return this._slot;
  }

  bind(func?: unknown, args?: unknown[] | null, kwargs?: object | null): this {
    if (func === null) func = undefined;
    if (args === null) args = undefined;
    if (kwargs === null) kwargs = undefined;
    if (func !== undefined && typeof func !== 'function') throw new TypeError('tasklet function must be a callable or None');
    if (args !== undefined && !Array.isArray(args)) throw new TypeError('tasklet args must be a tuple or None');
    if (kwargs !== undefined && typeof kwargs !== 'object') throw new TypeError('tasklet kwargs must be a dictionary or None');
    const prepared = args !== undefined || kwargs !== undefined;
    if (onEngine) {
      const st = this._st;
      if (this === E.current()) throw new RuntimeError("can't (re)bind the current tasklet");
      if ((st & (S_RUNQ | S_BLOCKED)) !== 0) throw new RuntimeError('tasklet is scheduled');
      if (this === mainTasklet && !prepared) throw new RuntimeError("can't unbind the main tasklet");
      const fn = func !== undefined ? func : boundFn(this);
      if (prepared && fn === undefined) throw new RuntimeError('the tasklet was not bound to a function');
      // (the engine's tasklets are never hard: a hard one hands the thread to the core first)
      const kind = func !== undefined ? kindOf(func, this._hard) : this._st & K_MASK;
      if (!onEngine) return this.bind(func, args, kwargs);
      this._st = (st & (S_HARD_SET | S_HARD_ON | S_ATOMIC | S_IGN | S_BTRAP | S_MAIN)) | kind;
      this.tv = undefined;
      if (!prepared) {
        this._ga = func;
        return this;
      }
      this._ga = prepareCall(fn, kwargs === undefined ? args || EMPTY : [...(args || EMPTY), kwargs], kind);
      this._st |= S_ALIVE | S_PREP;
      return this;
    }
    if (this._slot < 0 && !prepared && !engineState(this)) {
      this._ga = func;
      this._isGen = kindOf(func, this._hard);
      this._st &= ~(S_PREP | S_STARTED | S_RET | S_THREW);
      return this;
    }
    const fn = func !== undefined ? func : boundFn(this);
    if (this._slot < 0 && fn === undefined && !engineState(this)) {
      throw new RuntimeError('the tasklet was not bound to a function');
    }
    const s = this._native();
    I[A0] = s; I[A1] = func !== undefined ? 1 : 0; I[A2] = prepared ? 1 : 0;
    check(B.tBind());
    if (func !== undefined) {
      this._isGen = kindOf(func, this._hard);
      I[A0] = s; I[A1] = this._isGen;
      B.tSetGen();
    }
    this._st &= ~(S_PREP | S_STARTED | S_RET | S_THREW);
    if (prepared) {
      this._ga = prepareCall(fn, kwargs === undefined ? args || EMPTY : [...(args || EMPTY), kwargs], this._st & K_MASK);
      this._st |= S_PREP;
      if (this._isGen === KIND_HARD) hardCtx.set(this, captureContext());
    } else {
      this._ga = func;
    }
    return this;
  }

  setup(...args: unknown[]): this;
  setup(): this {
    // (`arguments`, not a rest parameter: fn.apply(undefined, arguments) passes them on without
    // making an array, and a spawn's cost is mostly this method)
    if (onEngine) {
      const st = this._st;
      if ((st & (S_ALIVE | S_RUNQ)) !== 0) throw new RuntimeError('tasklet is alive');
      const fn = this._ga;
      if (fn === undefined) throw new RuntimeError('the tasklet was not bound to a function');
      if ((st & K_MASK) === KIND_GEN) {
        // (prepareCall, inline)
        try {
          this._ga = fn.apply(undefined, arguments);
        } catch (e) {
          this._ga = failedStart(e);
        }
      } else {
        this._ga = prepareCall(fn, Array.prototype.slice.call(arguments), st & K_MASK);
      }
      this._st = st | S_ALIVE | S_PREP;
      this.tv = undefined;
      E.append(this);
      return this;
    }
    const fn = boundFn(this);
    if (this._slot < 0 && !engineState(this)) {
      if (fn === undefined) throw new RuntimeError('the tasklet was not bound to a function');
      this._newSlot(1);
    } else {
      I[A0] = this._native();
      check(B.tSetup());
    }
    this._st &= ~(S_STARTED | S_RET | S_THREW);
    this._ga = prepareCall(fn, Array.prototype.slice.call(arguments), this._st & K_MASK);
    this._st |= S_PREP;
    if (this._isGen === KIND_HARD) hardCtx.set(this, captureContext());
    return this;
  }

  insert(): this {
    if (onEngine) {
      E.insert(this);
      return this;
    }
    I[A0] = this._native();
    check(B.tInsert());
    return this;
  }

  remove(): this {
    if (onEngine) {
      E.remove(this);
      return this;
    }
    if (this._sl() < 0) return this;
    I[A0] = this._slot;
    check(B.tRemove());
    return this;
  }

  /** @internal */ _run(nr: number, sw: number): unknown {
    if (onEngine) return E.runSwitch(this, sw, nr);
    const me = I[CUR];
    I[A0] = this._native(); I[A1] = nr; I[A2] = sw;
    return fin(me, B.tRun());
  }
  run(): unknown { return this._run(0, 0); }
  run_nr(): unknown { return this._run(1, 0); }
  switch(): unknown { return this._run(0, 1); }
  switch_nr(): unknown { return this._run(1, 1); }

  /** @internal */ _throw(name: string, exc: unknown, pending: boolean, nr: number, kill: boolean): unknown {
    if (onEngine) return E.throwTo(this, exc, pending, nr, kill, quietTaskletExit);
    if (this._sl() < 0) {
      if (kill || exc instanceof TaskletExit) return undefined;   // not alive: nothing to do
      throw new RuntimeError('You cannot throw to a dead tasklet');
    }
    const me = I[CUR];
    I[A0] = this._slot; I[A1] = nr; I[A2] = pending ? 1 : 0;
    return fin(me, B.tThrow(name, exc, kill));
  }
  // (the core makes the TaskletExit bomb itself: no JS error object, no stack capture, here)
  kill(pending = false): unknown { return this._throw('TaskletExit', undefined, !!pending, 0, true); }
  kill_nr(pending = false): unknown { return this._throw('TaskletExit', undefined, !!pending, 1, true); }
  throw(exc?: unknown, val?: unknown, tb?: unknown, pending = false): unknown {
    if (arguments.length === 0) throw new TypeError('throw() takes at least 1 argument');
    const e = excFromThrowArgs(exc, val, tb);
    return this._throw(pyname(e), e, !!pending, 0, false);
  }
  throw_nr(exc?: unknown, val?: unknown, tb?: unknown, pending = false): unknown {
    const e = excFromThrowArgs(exc, val, tb);
    return this._throw(pyname(e), e, !!pending, 1, false);
  }
  raise_exception(klass?: unknown, ...args: unknown[]): unknown {
    if (arguments.length === 0) throw new TypeError('raise_exception() takes at least 1 argument');
    const e = excFromClassArgs('tasklet.raise_exception', klass, args);
    return this._throw(pyname(e), e, false, 0, false);
  }
  raise_exception_nr(klass?: unknown, ...args: unknown[]): unknown {
    if (arguments.length === 0) throw new TypeError('raise_exception() takes at least 1 argument');
    const e = excFromClassArgs('tasklet.raise_exception', klass, args);
    return this._throw(pyname(e), e, false, 1, false);
  }

  /** @internal the state bits of binding.cc tInfo */ _info(): number {
    if (onEngine) {
      const st = this._st;
      let bits = 0;
      if ((st & S_ALIVE) !== 0) bits |= 1;
      if (E.paused(this)) bits |= 2;
      if ((st & S_BLOCKED) !== 0) bits |= 4 | 8;
      if ((st & S_RUNQ) !== 0) bits |= 8;
      if (this === mainTasklet) bits |= 16;
      if (this === E.current()) bits |= 32;
      if ((st & S_ATOMIC) !== 0) bits |= 64;
      if ((st & S_BTRAP) !== 0) bits |= 128;
      if ((st & S_IGN) !== 0) bits |= 256;
      if (E.irqPending(this)) bits |= 32768;
      return bits;
    }
    if (this._sl() < 0) return 0;
    I[A0] = this._slot;
    B.tInfo();
    return I[OUT];
  }
  get alive(): boolean { return (this._info() & 1) !== 0; }
  get paused(): boolean { return (this._info() & 2) !== 0; }
  get blocked(): boolean { return (this._info() & 4) !== 0; }
  get scheduled(): boolean { return (this._info() & 8) !== 0; }
  get is_main(): boolean { return (this._info() & 16) !== 0; }
  get is_current(): boolean { return (this._info() & 32) !== 0; }
  get atomic(): boolean { return (this._info() & 64) !== 0; }
  get block_trap(): boolean { return (this._info() & 128) !== 0; }
  set block_trap(v: boolean) {
    const f = boolArg(v, 'block_trap must be set to a bool or integer');
    if (onEngine) {
      this._st = f !== 0 ? this._st | S_BTRAP : this._st & ~S_BTRAP;
      return;
    }
    I[A0] = this._native(); I[A1] = 1; I[A2] = f;
    B.tFlag();
  }
  get ignore_nesting(): boolean { return (this._info() & 256) !== 0; }
  get nesting_level(): number { return (this._info() & 512) !== 0 ? 1 : 0; }
  get restorable(): boolean { return (this._info() & 512) === 0; }
  /** An interrupt of the watchdog was deferred on this tasklet (it was atomic, in a callback,
   * ...) and happens at its next switch or when the flag that deferred it is cleared. */
  get pending_irq(): boolean { return (this._info() & 32768) !== 0; }
  /** Always 0: JS keeps no recursion counter a tasklet could report (Python's frame depth). */
  get recursion_depth(): number { return 0; }
  get thread_id(): number { return threadId(); }   // a tasklet belongs to the thread that made it
  get id(): number {
    if (onEngine && this !== mainTasklet) {
      let id = engineIds.get(this);
      if (id === undefined) {
        id = E.newId();
        engineIds.set(this, id);
      }
      return id;
    }
    if (this._sl() < 0) return -1;
    I[A0] = this._slot;
    B.tInfo();
    return I[A1];
  }
  /**
   * bind_thread(thread_id = -1): moves the tasklet to that thread's scheduler (API.md 2.2). A JS
   * tasklet cannot leave the thread whose JS objects it is made of, so only the calling thread
   * (the no-op) works; another thread that uses stackless gives RuntimeError, an unknown id
   * ValueError('bad thread'), after the checks for runnable tasklets and C state.
   */
  bind_thread(thread_id: unknown = -1): void {
    if (typeof thread_id === 'boolean') thread_id = thread_id ? 1 : 0;
    if (typeof thread_id !== 'number' || !Number.isInteger(thread_id)) {
      throw new TypeError(`'${typeName(thread_id)}' object cannot be interpreted as an integer`);
    }
    if (thread_id < -1) throw new OverflowError("can't convert negative int to unsigned");
    if (onEngine) {
      // (the core's checks, in its order)
      if (thread_id === -1 || thread_id === threadId()) return;
      if ((this._st & S_RUNQ) !== 0) throw new RuntimeError("can't (re)bind a runnable tasklet");
      if (!B.threadKnown(thread_id)) throw new ValueError('bad thread');
      throw new RuntimeError('binding a tasklet to another thread is not supported yet');
    }
    I[A0] = this._native();
    check(B.tBindThread(thread_id));
  }
  set_atomic(flag: unknown): boolean {
    const f = boolArg(flag, 'set_atomic needs exactly one bool or integer');
    if (onEngine) return E.setAtomic(this, f);
    I[A0] = this._native(); I[A1] = 0; I[A2] = f;
    B.tFlag();
    return I[OUT] !== 0;
  }
  set_ignore_nesting(flag: unknown): boolean {
    const f = boolArg(flag, 'set_ignore_nesting needs exactly one bool or integer');
    if (onEngine) return E.setIgnoreNesting(this, f);
    I[A0] = this._native(); I[A1] = 2; I[A2] = f;
    B.tFlag();
    return I[OUT] !== 0;
  }
  get tempval(): unknown {
    if (onEngine) {
      const v = this.tv;
      if (v instanceof Boom) {
        const e = v.exc();
        return new bomb(excClassFor(e, pyname(e)), e);
      }
      if (v === undefined && (this._st & S_ALIVE) === 0) return this._ga;   // bound: the function
      return v;
    }
    if (this._sl() < 0) return boundFn(this);
    const bits = this._info();
    if (bits & 4096) return this.tv;
    if (bits & 8192) return boundFn(this);
    if (bits & 16384) return undefined;
    I[A0] = this._slot;
    return B.tTempval();
  }
  set tempval(v: unknown) {
    if (onEngine) {
      // (as the core: the exception is made now, and the getter gives a bomb of it)
      this.tv = v instanceof bomb ? new Boom(v._exc()) : v;
      return;
    }
    const s = this._native();
    if (v instanceof bomb) {
      // a real bomb in the core: the tasklet explodes when it resumes (API.md 9.2)
      const e = v._exc();
      I[A0] = s; I[A1] = 3;
      check(B.tSetTempval(pyname(e), e));
      return;
    }
    this.tv = v;
    I[A0] = s; I[A1] = 1;
    check(B.tSetTempval());
  }
  /** @internal */ _link(which: number): tasklet | undefined {
    if (onEngine) {
      if ((this._st & S_RUNQ) !== 0) return (which === 0 ? E.runqNext(this) : E.runqPrev(this)) as tasklet;
      const ch = this._chan;
      if (ch === null) return undefined;
      if (which === 0) return this._next ?? undefined;
      let p: tasklet | null = ch._head;
      if (p === this) return undefined;
      while (p !== null && p._next !== this) p = p._next;
      return p ?? undefined;
    }
    if (this._sl() < 0) return undefined;
    I[A0] = this._slot;
    B.tLinks();
    const s = which === 0 ? I[OUT] : I[A1];
    return s >= 0 ? R[s] : undefined;
  }
  /** The channel the tasklet is blocked on, else undefined (Stackless's undocumented _channel). */
  get _channel(): channel | undefined {
    if (onEngine) return this._chan ?? undefined;
    if (this._sl() < 0) return undefined;
    I[A0] = this._slot;
    return B.tChannel();
  }
  get next(): tasklet | undefined { return this._link(0); }
  get prev(): tasklet | undefined { return this._link(1); }
  toString(): string { return `<stackless.tasklet${this === mainTasklet ? ' main' : ''}>`; }
}
export { tasklet as Tasklet };

const mainTasklet = new tasklet();
R[0] = mainTasklet;

// ---- the JS engine and the hand-over to the core -------------------------------------------------

E.init(mainTasklet, UNWIND, isMainThread, B.idBlock);
E.setCannotBlockMessage(hard_available
  ? 'this tasklet runs a plain function on the scheduler\'s stack and cannot block (it was created ' +
    'with { hard: false }): drop that option to make it a hard tasklet, or make it a generator ' +
    'function (function*) and block with `yield ch.receive_nr()`'
  : 'this tasklet runs a plain function on the scheduler\'s stack and cannot block (hard tasklets ' +
    'are not available: stackless.hard_available is false, see `npm run build:hard`): make it a ' +
    'generator function (function*) and block with `yield ch.receive_nr()`');

// The bits of tasklet._st that only the engine sets: a tasklet with any of them (or an id) has
// state the core must take over before it works on the tasklet.
const ENGINE_ONLY = ~(K_MASK | S_HARD_SET | S_HARD_ON | S_MAIN | S_RET | S_THREW | S_STARTED | S_PREP);
function engineState(t: tasklet): boolean { return (t._st & ENGINE_ONLY) !== 0 || engineIds.has(t); }
/** the ids the engine gave its tasklets (made on demand: few are ever asked for) */
const engineIds = new WeakMap<tasklet, number>();

/**
 * Moves tasklet t into the core (binding.cc tAdopt): a core tasklet with what the engine knew
 * (started or not, flags, id, tempval), placed at place: 0 nowhere, 1 the run queue's tail,
 * 2 channel chId's queue in direction dir.
 */
function adopt(t: tasklet, place: number, chId: number, dir: number): void {
  const st = t._st;
  const id = engineIds.get(t) ?? 0;
  engineIds.delete(t);
  if (t !== mainTasklet) {
    I[A0] = st & K_MASK; I[A1] = 0;
    const e = B.tNew();
    if (I[ST] === 2) throw e;
    t._slot = I[OUT];
    R[t._slot] = t;
    if (boundFn(t) === undefined && (st & S_ALIVE) === 0) {
      I[A0] = t._slot; I[A1] = 0; I[A2] = 0;
      check(B.tBind());
    }
  }
  const bits = ((st & S_STARTED) !== 0 ? 1 : 0) | ((st & S_ATOMIC) !== 0 ? 2 : 0) | ((st & S_IGN) !== 0 ? 4 : 0) |
    ((st & S_BTRAP) !== 0 ? 8 : 0) | ((st & S_ALIVE) !== 0 ? 16 : 0);
  const v = t.tv;
  let mode = -1;
  if (v instanceof Boom) mode = 3;
  else if (v !== undefined) mode = 1;
  else if ((st & S_ALIVE) !== 0) mode = 0;
  const e = v instanceof Boom ? v.exc() : undefined;
  check(B.tAdopt(t._slot, bits, place, chId, dir, mode, id, E.irqEpoch(t), mode === 3 ? pyname(e) : '', e));
  if (mode === 3) t.tv = undefined;
  t._st = st & (K_MASK | S_PREP | S_STARTED | S_RET | S_THREW | S_HARD_SET | S_HARD_ON | S_MAIN);
  t._next = null;
  if (t === mainTasklet) t._chan = null;   // (another tasklet's _chan holds its slot now)
}

/**
 * The thread leaves the JS engine for the core, for good: at its first native or hard tasklet,
 * when an addon imports the C API, or when C code converts one of its objects. The run queue,
 * main's place, the watchdog's run() frames, callbacks and switch_trap move now; a blocked
 * tasklet moves with its channel, and a paused one by itself, when the core first needs them
 * (channel._cid, tasklet._native).
 */
function toCore(): void {
  if (!onEngine) return;
  if (process.env.STACKLESS_TRACE_HANDOVER) process.stderr.write(`stackless: hand-over to the core\n${new Error().stack}\n`);
  if (E.inCallbackNow()) {
    throw new RuntimeError('stackless: a native or hard tasklet cannot be created, nor the C API used, '
      + 'inside a callback or the error handler while the thread runs on the JS engine: do it once outside '
      + 'first (or set STACKLESS_ENGINE=core)');
  }
  const snap = E.snapshot();
  const c = snap.cur as tasklet;
  // the current tasklet's resume value is "delivered" (as by the core's switch), for the case it
  // was switched to and has not run yet (the tasklet that is running has consumed its own)
  const v = c.tv;
  c.tv = undefined;
  if (v instanceof Boom) {
    I[MODE] = M_THROW;
    pending = v.exc();
  } else {
    I[MODE] = M_VAL;
    pending = v;
  }
  E.handOver();
  onEngine = false;
  B.adoptBegin();
  const m = mainTasklet;
  const mainSt = m._st;
  for (const t of snap.runq) adopt(t as tasklet, 1, -1, 0);
  if ((mainSt & S_BLOCKED) !== 0) (m._chan as channel)._cid();   // main moves in with its channel
  else if ((mainSt & S_RUNQ) === 0) adopt(m, 0, -1, 0);           // main waits in run()
  for (const f of snap.frames) {
    if ((f.caller as tasklet)._slot < 0) adopt(f.caller as tasklet, 0, -1, 0);
  }
  const slot = (t: unknown): number => (t === null ? -1 : (t as tasklet)._slot);
  const now = performance.now() * 1000;
  B.adoptEnd(c._slot,
    snap.frames.map((f) => [slot(f.caller), f.owns ? 1 : 0, slot(f.savedOwner), f.savedTimeout,
      now - f.savedSliceStart, f.savedFlags]),
    [slot(snap.wd.owner), snap.wd.timeout, snap.wd.flags, snap.wd.elapsed, snap.wd.epoch]);
  for (let kind = 0; kind < 3; kind++) {
    if (snap.callbacks[kind] !== undefined) B.setCallback(kind, snap.callbacks[kind]);
  }
  if (snap.trap !== 0) {
    I[A0] = snap.trap;
    B.switchTrap();
  }
}

// A JS stack the engine was running when it handed over goes on in the core's terms.
E.migrated.mainResume = mainResume;
E.migrated.afterStep = (t0: unknown, res: IteratorResult<unknown>): void => {
  const t = t0 as tasklet;
  const slot = t._slot;
  if (res.done === true) {
    if (I[CUR] !== slot) t._returned = true;
    else endTasklet(t, slot, false);
  } else if (res.value !== UNWIND && I[CUR] === slot) {
    // it yielded a value (not a switch) and goes on: the core's trampoline resumes it with it
    pending = res.value;
    I[MODE] = M_VAL;
  }
};
E.migrated.afterThrow = (t0: unknown, e: unknown): void => {
  const t = t0 as tasklet;
  const slot = t._slot;
  if (I[CUR] === slot) {
    endTasklet(t, slot, true, e);
  } else {
    t._st |= S_RET | S_THREW;   // it switched, then threw: it ends with e when it runs again
    t._ga = e;
  }
};

// The C API table for other addons (NODE.md 5): PyStackless_ImportAPI looks it up here, and
// that lookup moves the thread into the core (C callers work on the core's objects).
const capiTable = addon._capi;
Object.defineProperty(globalThis, Symbol.for('stackless.capi'), {
  get() {
    toCore();
    return capiTable;
  },
  configurable: true,
});
if (process.env.STACKLESS_ENGINE === 'core') toCore();

// ---- channel ----------------------------------------------------------------------------------

const channelRegistry = new FinalizationRegistry<number>((id) => B.chFree(id));

export class channel {
  /** @internal the core channel's id, -1: none (yet) */ _id = -1;
  /** @internal engine: waiters (balance > 0: senders) */ _bal = 0;
  /** @internal engine: the first waiting tasklet */ _head: tasklet | null = null;
  /** @internal engine: the last waiting tasklet */ _tail: tasklet | null = null;
  /** @internal closing, schedule_all, preference (engine.ts C_*), until the core channel exists */
  _cl = 0;

  /** @internal core mode: the core channel, made on first use with what the engine knew */
  _cid(): number {
    if (this._id < 0) {
      if (onEngine) toCore();
      B.chNew(this);
      const id = I[OUT];
      this._id = id;
      channelRegistry.register(this, id);
      if (prefOf(this._cl) !== -1) this._set(2, prefOf(this._cl));
      if ((this._cl & C_SA) !== 0) this._set(3, 1);
      if ((this._cl & C_CLOSING) !== 0) this._set(0, 0);
      // its waiters, in order
      let t = this._head;
      this._head = this._tail = null;
      this._bal = 0;
      while (t !== null) {
        const n: tasklet | null = t._next;
        adopt(t, 2, id, (t._st & S_BSEND) !== 0 ? 1 : -1);
        t = n;
      }
    }
    return this._id;
  }
  /** @internal core mode: close / open / preference / schedule_all (binding.cc chSet) */
  _set(what: number, v: number): void { I[A0] = this._id; I[A1] = what; I[A2] = v; B.chSet(); }

  // nr = 1: the _nr form (may return Py_UnwindToken in a generator tasklet); 0: blocking
  /** @internal core mode */ _send(value: unknown, nr: number): unknown {
    if (value instanceof bomb) return this._sendExc(value._exc(), nr);
    const me = I[CUR];
    R[me].tv = value;
    I[A0] = this._cid(); I[A1] = nr;
    const r = B.send();
    const p = I[PART];
    if (p >= 0) R[p].tv = value;
    return fin(me, r);
  }

  /** @internal core mode */ _receive(nr: number): unknown {
    const me = I[CUR];
    I[A0] = this._cid(); I[A1] = nr;
    const r = B.recv();
    if (I[ST] === 0) {
      if (I[MODE] === M_JSV) {
        const p = R[I[PART]];
        const v = p.tv;
        p.tv = undefined;
        return v;
      }
      return r;
    }
    return fin(me, r);
  }

  // (on the engine a bomb sent is a Boom: the receiver explodes)
  send_nr(value?: unknown): unknown { return onEngine ? E.send(this, value, 1) : this._send(value, 1); }
  send(value?: unknown): unknown { return onEngine ? E.send(this, value, 0) : this._send(value, 0); }
  receive_nr(): unknown { return onEngine ? E.recv(this, 1) : this._receive(1); }
  receive(): unknown { return onEngine ? E.recv(this, 0) : this._receive(0); }

  /** @internal */ _sendExc(e: unknown, nr: number): unknown {
    if (onEngine) return E.send(this, new Boom(e), nr);
    const me = I[CUR];
    I[A0] = this._cid(); I[A1] = nr;
    return fin(me, B.sendExc(pyname(e), e));
  }
  send_exception(klass?: unknown, ...args: unknown[]): unknown {
    if (arguments.length === 0) throw new TypeError('send_exception() takes at least 1 argument');
    return this._sendExc(excFromClassArgs('channel.send_exception', klass, args), 0);
  }
  send_exception_nr(klass?: unknown, ...args: unknown[]): unknown {
    if (arguments.length === 0) throw new TypeError('send_exception() takes at least 1 argument');
    return this._sendExc(excFromClassArgs('channel.send_exception', klass, args), 1);
  }
  send_throw(exc?: unknown, val?: unknown, tb?: unknown): unknown {
    return this._sendExc(excFromThrowArgs(exc, val, tb), 0);
  }
  send_throw_nr(exc?: unknown, val?: unknown, tb?: unknown): unknown {
    return this._sendExc(excFromThrowArgs(exc, val, tb), 1);
  }
  send_sequence(iterable: Iterable<unknown>): number {
    let n = 0;
    for (const x of iterable) {
      this.send(x);
      n++;
    }
    return n;
  }

  close(): void {
    if (this._id < 0) this._cl |= C_CLOSING;
    else this._set(0, 0);
  }
  open(): void {
    if (this._id < 0) this._cl &= ~C_CLOSING;
    else this._set(1, 0);
  }
  /** @internal [balance, bits (1 closing, 2 closed, 4 schedule_all), preference] in I[OUT], I[A1],
   * I[A2], and the first waiter's slot in I[QHEAD] (core mode) */
  _info(): void {
    if (this._id < 0) {
      const bal = this._bal, cl = this._cl;
      I[OUT] = bal;
      I[A1] = (cl & C_CLOSING) | ((cl & C_CLOSING) !== 0 && bal === 0 ? 2 : 0) | (cl & C_SA);
      I[A2] = prefOf(cl);
      return;
    }
    I[A0] = this._id;
    B.chInfo();
  }
  get balance(): number { this._info(); return I[OUT]; }
  get closing(): boolean { this._info(); return (I[A1] & 1) !== 0; }
  get closed(): boolean { this._info(); return (I[A1] & 2) !== 0; }
  get preference(): number { this._info(); return I[A2]; }
  set preference(v: number) {
    if (typeof v === 'boolean') v = v ? 1 : 0;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError('preference must be set to an integer');
    const p = v > 0 ? 1 : v < 0 ? -1 : 0;
    if (this._id < 0) this._cl = (this._cl & ~(C_P0 | C_P1)) | prefBits(p);
    else this._set(2, p);
  }
  get schedule_all(): number { this._info(); return (I[A1] & 4) !== 0 ? 1 : 0; }
  set schedule_all(v: number) {
    const f = boolArg(v, 'preference must be set to a bool or integer');
    if (this._id < 0) this._cl = f !== 0 ? this._cl | C_SA : this._cl & ~C_SA;
    else this._set(3, f);
  }
  get queue(): tasklet | undefined {
    if (this._id < 0) {
      if (onEngine || this._head === null) return this._head ?? undefined;
      this._cid();   // (its waiters move into the core)
    }
    this._info();
    const s = I[QHEAD];
    return s >= 0 ? R[s] : undefined;
  }

  [Symbol.iterator](): this { return this; }
  next(): IteratorResult<unknown> {
    this._info();
    if ((I[A1] & 1) !== 0 && I[OUT] <= 0) return { value: undefined, done: true };
    return { value: this.receive(), done: false };
  }
}
export { channel as Channel };

// ---- module functions -------------------------------------------------------------------------

export function getcurrent(): tasklet {
  if (onEngine) return E.current() as tasklet;
  const s = I[CUR];
  return s >= 0 ? R[s] : B.current();   // -1: a native tasklet (callbacks made on its behalf)
}
export function getmain(): tasklet { return R[0]; }
export function getruncount(): number {
  if (onEngine) return E.runCount();
  B.runcount();
  return I[OUT];
}

function sched(args: IArguments, remove: number, nr: number): unknown {
  if (onEngine) {
    const v = args.length > 0 ? args[0] : E.current();
    return E.schedule(v instanceof bomb ? new Boom(v._exc()) : v, remove, nr);
  }
  const me = I[CUR];
  const t = R[me];
  const rv = args.length > 0 ? args[0] : t;
  if (args.length > 0 && rv instanceof bomb) {
    // schedule(bomb): the caller explodes when it resumes, also when it resumes at once
    const e = rv._exc();
    I[A0] = remove; I[A1] = nr;
    return fin(me, B.scheduleBomb(pyname(e), e));
  }
  t.tv = rv;
  I[A0] = remove; I[A1] = nr;
  const r = B.schedule();
  if (I[ST] === 0) {
    t.tv = undefined;
    return I[MODE] === M_JSV ? rv : r;
  }
  return fin(me, r);
}
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function schedule(_retval?: unknown): unknown { return sched(arguments, 0, 0); }
export function schedule_nr(_retval?: unknown): unknown { return sched(arguments, 0, 1); }
export function schedule_remove(_retval?: unknown): unknown { return sched(arguments, 1, 0); }
export function schedule_remove_nr(_retval?: unknown): unknown { return sched(arguments, 1, 1); }

type RunOptions = { threadblock?: unknown; soft?: unknown; ignore_nesting?: unknown; totaltimeout?: unknown };

const RUN_PARAMS = ['timeout', 'threadblock', 'soft', 'ignore_nesting', 'totaltimeout'];

// A C long / int argument of run(): a number (truncated to an integer) or a boolean.
function runInt(v: unknown, i: number): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  throw new TypeError(`run_watchdog() argument '${RUN_PARAMS[i]}' must be int, not ${typeName(v)}`);
}

function runArgs(a: unknown[]): [number, number] {
  let opts: RunOptions = {};
  const last = a[a.length - 1];
  if (a.length > 0 && last !== null && typeof last === 'object') {
    opts = last as RunOptions;
    a = a.slice(0, -1);
  }
  const v = [a[0], a[1] ?? opts.threadblock, a[2] ?? opts.soft, a[3] ?? opts.ignore_nesting, a[4] ?? opts.totaltimeout]
    .map(runInt);
  // one tick is one microsecond (NODE.md 4); the addon takes a 32-bit count (about 35 minutes)
  const timeout = Math.max(Math.min(v[0], 0x7fffffff), -0x80000000);
  return [timeout, (v[1] ? 1 : 0) | (v[2] ? 2 : 0) | (v[3] ? 4 : 0) | (v[4] ? 8 : 0)];
}

/**
 * run(timeout?, threadblock?, soft?, ignore_nesting?, totaltimeout?) or run(timeout, options):
 * runs the other tasklets until none is runnable (API.md 5.2). With timeout > 0 (one tick = one
 * microsecond of the running tasklet's time, of the whole run() with totaltimeout) a tasklet that
 * runs longer without switching is interrupted and returned, paused (insert() it to continue
 * it); with soft, run() returns undefined at that tasklet's next switch instead and every tasklet
 * stays scheduled. A generator tasklet is interrupted only at a `yield` (of any value): one that
 * computes without yielding cannot be paused. With totaltimeout, once the whole run() is over its
 * budget every switch goes to the watchdog (the tasklet about to run is returned, unresumed), so
 * tasklets that only ever switch cannot keep run() from returning. A hard (plain-function)
 * tasklet is truly preempted, wherever it is. atomic tasklets are not interrupted.
 */
export function run(...a: unknown[]): unknown {
  if (onEngine) {
    if (a.length === 0) return E.run(0, 0, 0);
    const [timeout, flags] = runArgs(a);
    return E.run(timeout, flags, 0);
  }
  const me = I[CUR];
  if (a.length === 0) {
    I[A0] = 0; I[A1] = 0;
  } else {
    const [timeout, flags] = runArgs(a);
    I[A0] = timeout; I[A1] = flags;
  }
  I[A2] = 0;
  return fin(me, B.run());
}
export function run_nr(...a: unknown[]): unknown {
  const [timeout, flags] = runArgs(a);
  if (onEngine) return E.run(timeout, flags, 1);
  const me = I[CUR];
  I[A0] = timeout; I[A1] = flags; I[A2] = 1;
  return fin(me, B.run());
}

/**
 * stackless.atomic(fn): runs fn with the current tasklet atomic, then restores the flag. With a
 * generator function, returns a generator for `yield* stackless.atomic(function* () { ... })`:
 * the tasklet stays atomic across the yields of the body.
 */
export function atomic<T>(fn: () => T): T {
  if (isGenFn(fn)) {
    return (function* atomicBody(): Generator<unknown, unknown, unknown> {
      const t = getcurrent();
      const old = t.set_atomic(1);
      try {
        return yield* (fn as any)();
      } finally {
        t.set_atomic(old ? 1 : 0);
      }
    })() as any;
  }
  const t = getcurrent();
  const old = t.set_atomic(1);
  try {
    return fn();
  } finally {
    t.set_atomic(old ? 1 : 0);
  }
}

// ---- switching controls -----------------------------------------------------------------------

/** switch_trap(change = 0): adds change to this thread's switch-trap level, returns the old level.
 * While it is not 0, every operation that would switch tasklets throws RuntimeError('switch_trap'). */
export function switch_trap(change: unknown = 0): number {
  if (typeof change === 'boolean') change = change ? 1 : 0;
  if (typeof change !== 'number' || !Number.isInteger(change)) {
    throw new TypeError(`an integer is required (got type ${typeName(change)})`);
  }
  if (onEngine) return E.switchTrap(change as number);
  I[A0] = change;
  B.switchTrap();
  return I[OUT];
}

let softswitch = true;
/**
 * enable_softswitch(flag): generator tasklets always soft-switch (they cannot hard-switch), so the
 * query enable_softswitch(undefined) returns true. Setting a flag is accepted and returns the
 * previous setting, but changes nothing for generator tasklets (NODE.md 3.5).
 */
export function enable_softswitch(flag?: unknown): boolean {
  if (flag === undefined || flag === null) return true;
  const old = softswitch;
  softswitch = !!flag;
  return old;
}

// ---- callbacks and the error handler (API.md 1.3.3, 5.6, 6) -------------------------------------

const CB_SCHEDULE = 0, CB_CHANNEL = 1, CB_ERROR = 2;

function setCallback(kind: number, fn: unknown, what: string): unknown {
  if (fn === null) fn = undefined;
  if (kind !== CB_ERROR && fn !== undefined && typeof fn !== 'function') {
    throw new TypeError(`${what} must be callable`);
  }
  if (onEngine) return E.setCallback(kind, fn);
  const prev = B.setCallback(kind, fn);
  if (I[ST] === 2) throw prev;
  return prev;
}

/**
 * set_schedule_callback(cb): cb(prev, next) is called at every switch between two tasklets of
 * this thread, just before next runs (API.md 6.1). undefined or null removes it. Returns the
 * previous callback (or undefined). The callback must not switch or use channels; what it throws
 * is reported on stderr ("Error in scheduling callback") and ignored.
 */
export function set_schedule_callback(callable: unknown): unknown {
  if (arguments.length !== 1) throw new TypeError('set_schedule_callback() takes exactly one argument');
  return setCallback(CB_SCHEDULE, callable, 'schedule callback');
}
export function get_schedule_callback(): unknown { return onEngine ? E.scheduleCallback() : B.getCallback(CB_SCHEDULE); }

/**
 * set_channel_callback(cb): cb(channel, tasklet, sending, willblock) is called for every channel
 * operation (API.md 6.2); sending and willblock are the numbers 1 or 0. undefined or null removes
 * it. Returns the previous callback (or undefined).
 */
export function set_channel_callback(callable: unknown): unknown {
  if (arguments.length !== 1) throw new TypeError('set_channel_callback() takes exactly one argument');
  return setCallback(CB_CHANNEL, callable, 'channel callback');
}
export function get_channel_callback(): unknown { return onEngine ? E.channelCallback() : B.getCallback(CB_CHANNEL); }

/**
 * set_error_handler(handler?): handler(type, value, traceback) is called for an exception that
 * ends a tasklet other than main, while the dying tasklet is current (API.md 5.6): value is what
 * the tasklet threw, type its class, traceback undefined. If it returns, the exception is handled;
 * if it throws, what it throws goes to the innermost run() caller (else main). undefined or null
 * restores the default. Returns the previous handler (or undefined).
 */
export function set_error_handler(handler?: unknown): unknown {
  return setCallback(CB_ERROR, handler, 'error handler');
}

// ---- bomb (API.md 9.2) ------------------------------------------------------------------------

/**
 * bomb(type?, value?, traceback?): an exception carried as a value. A tasklet that receives a
 * bomb as a transfer value (from receive(), schedule(), run(), switch(), or as its tempval) throws
 * it instead. bomb([type, value, tb]) unpacks the array. The thrown value: value itself when it is
 * an instance of type (or type is undefined), else new type(...value) for an array value,
 * new type(value), or new type() when value is undefined; type itself when it is not a class.
 */
export class bomb extends Boom {
  /** @internal */ _t: unknown;
  /** @internal */ _v: unknown;
  /** @internal */ _tb: unknown;
  constructor(type?: unknown, value?: unknown, traceback?: unknown) {
    if (new.target !== bomb) throw new TypeError("type 'stackless.bomb' is not an acceptable base type");
    super(undefined);
    if (arguments.length === 1 && Array.isArray(type)) [type, value, traceback] = type;
    this._t = type === null ? undefined : type;
    this._v = value === null ? undefined : value;
    this._tb = traceback === null ? undefined : traceback;
    Object.freeze(this);
  }
  get type(): unknown { return this._t; }
  get value(): unknown { return this._v; }
  get traceback(): unknown { return this._tb; }
  /** @internal (Boom) what it throws where it explodes */
  exc(): unknown { return this._exc(); }
  /** @internal the value this bomb throws */
  _exc(): unknown {
    const type: any = this._t, value: any = this._v;
    if (typeof type === 'function') {
      if (value instanceof type) return value;
      if (value === undefined) return new type();
      if (Array.isArray(value)) return new type(...value);
      return new type(value);
    }
    if (type !== undefined) return type;
    if (value !== undefined) return value;
    return new SystemError('bomb without an exception');
  }
  toString(): string { return `<stackless.bomb ${typeName(this._t)}>`; }
}

// ---- introspection (API.md 1.3.2) ---------------------------------------------------------------

/** getcurrentid(): the thread id while main is current, else the current tasklet's serial number. */
export function getcurrentid(): number {
  if (onEngine) return E.current() === mainTasklet ? threadId() : (E.current() as tasklet).id;
  return B.currentId();
}

let tid: number | undefined;
function threadId(): number {
  if (tid === undefined) tid = B.threadId() as number;
  return tid;
}

/** getthreads(): the ids of the threads with a scheduler; for now only this thread (NODE.md 6). */
export function getthreads(): number[] { return [threadId()]; }

/** get_thread_info(thread_id = -1): [main, current, runcount] of that thread (-1: this one). */
export function get_thread_info(thread_id: unknown = -1): [tasklet | undefined, tasklet | undefined, number] {
  if (typeof thread_id === 'boolean') thread_id = thread_id ? 1 : 0;
  if (typeof thread_id !== 'number' || !Number.isInteger(thread_id)) {
    throw new TypeError(`'${typeName(thread_id)}' object cannot be interpreted as an integer`);
  }
  if (thread_id < -1) throw new OverflowError("can't convert negative int to unsigned");
  if (thread_id !== -1 && thread_id !== threadId()) throw new RuntimeError('Thread id not found');
  if (onEngine) return [mainTasklet, E.current() as tasklet, E.runCount()];
  return B.threadInfo();
}

/**
 * engine(): 'js' while this thread's tasklets run on the JS engine (lib/engine.ts), 'core' once
 * they run on the native core. A thread moves to the core, for good, at its first native or hard
 * tasklet, or when C code uses the C API on it (STACKLESS_ENGINE=core: from the start).
 */
export function engine(): 'js' | 'core' { return onEngine ? 'js' : 'core'; }

/** getdebug(): true for a debug build of the addon. */
export function getdebug(): boolean { return B.debug === true; }

/** getuncollectables(): the tasklets that own a C stack (native tasklets that started). */
export function getuncollectables(): tasklet[] { return onEngine ? [] : B.uncollectables(); }

// current / main / runcount / threads / debug / uncollectables as module properties
Object.defineProperty(exports, 'current', { get: getcurrent, enumerable: true });
Object.defineProperty(exports, 'main', { get: getmain, enumerable: true });
Object.defineProperty(exports, 'runcount', { get: getruncount, enumerable: true });
Object.defineProperty(exports, 'threads', { get: getthreads, enumerable: true });
Object.defineProperty(exports, 'debug', { get: getdebug, enumerable: true });
Object.defineProperty(exports, 'uncollectables', { get: getuncollectables, enumerable: true });


/** @internal for the tests: a native tasklet running a C test function (binding.cc nativeTest). */
export const _internal = {
  nativeTasklet(op: number, ch: channel | undefined, n: number): tasklet {
    toCore();
    const r = B.nativeTest(op, ch === undefined ? -1 : ch._cid(), n);
    if (I[ST] === 2) throw r;
    return r;
  },
  /** for stackless/bench (lib/bench.ts): n round trips between two native tasklets */
  nativePingpong(n: number): number {
    toCore();
    const r = B.nativePingpong(n);
    if (I[ST] === 2) throw r;
    return r;
  },
};
export * from './capi';
export { await_nr } from './promise';

/** The module itself (API.md 1.1: `stackless.stackless`, as in `from stackless import stackless`). */
export const stackless: typeof import('./index') = module.exports;
