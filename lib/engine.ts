// The JS engine: the scheduler of a thread whose tasklets are all JS tasklets (generator
// tasklets, and plain functions on the scheduler's stack). It implements the core's semantics
// (native/core: scheduler.c, channel.c, tasklet.c, watchdog.c, callbacks.c) on JS objects, so that
// a channel hop or a spawn makes no native call and a blocked tasklet owns no C memory.
//
// A thread uses it until it needs the core: its first native tasklet, hard tasklet, or an addon
// that imports the C API. lib/index.ts (toCore) then moves the state into the core, once, and
// checks which engine is on in every operation.
//
// Data model, as the core's but singly linked (fewer pointer writes into long-lived objects,
// which is what a million blocked tasklets cost in GC):
// - the run queue is a FIFO whose head `cur` is the current tasklet; the core's circular queue
//   rotated so that current is first. "Make x current" rotates: O(1) for the successor of the
//   head (every channel hand-over and schedule()), a walk otherwise (run() of a tasklet that was
//   not runnable, throw(), interrupts).
// - a channel's waiters are a FIFO (t._next); removing one that is not first walks the queue
//   (kill() or throw() of a blocked tasklet).
// - a tasklet's tempval is t.tv; a Boom in it explodes when the tasklet resumes (the core's bomb).
import {
  RuntimeError, ValueError, SystemExit, TaskletExit, pyname, excClassFor,
} from './errors';

// tasklet._st bits
const K_MASK = 3, K_GEN = 1;   // how the function runs (lib/index.ts kindOf: 0 plain, 1 generator, 2 hard)
const S_RET = 4;          // returned (or threw: S_THREW) right after a switching call
const S_HARD_SET = 8, S_HARD_ON = 16;   // the { hard } option was given, and its value
const S_ALIVE = 32;       // bound to a prepared call, or started (core: exec != NONE)
const S_STARTED = 64;
const S_RUNQ = 128;
const S_BSEND = 256, S_BRECV = 512;   // blocked on t._chan
const S_ATOMIC = 1024, S_IGN = 2048, S_BTRAP = 4096;
const S_THREW = 8192;
const S_MAIN = 16384;
const S_PREP = 32768;     // t._ga is the prepared call (lib/index.ts prepareCall)
const S_BLOCKED = S_BSEND | S_BRECV;
const S_INRUN = 65536;    // it waits in run(): it has a watchdog frame
const IRQ_SHIFT = 17;            // bits 17..30: the epoch of a deferred watchdog interrupt
const IRQ_MASK = 0x3fff << IRQ_SHIFT;

// channel._cl bits: closing, schedule_all, preference 0 or 1 (neither: -1, the default; so 0 is a
// channel the fast paths take)
const C_CLOSING = 1, C_SA = 4, C_P0 = 8, C_P1 = 16;
const prefOf = (cl: number): number => ((cl & C_P1) !== 0 ? 1 : (cl & C_P0) !== 0 ? 0 : -1);
const prefBits = (p: number): number => (p > 0 ? C_P1 : p === 0 ? C_P0 : 0);

// run() flags (PY_WATCHDOG_*)
const WD_THREADBLOCK = 1, WD_SOFT = 2, WD_TOTAL = 8;

/** An exception carried as a tempval: the tasklet throws exc() when it resumes (the core's bomb;
 * stackless.bomb is one). */
export class Boom {
  constructor(public e: unknown) {}
  exc(): unknown { return this.e; }
}

/** The fields of a tasklet the engine uses (lib/index.ts tasklet). */
export interface T {
  _next: T | null;
  _chan: C | null;
  _st: number;
  tv: unknown;
  /** the bound function; once set up (S_PREP) the generator or the plain function's call */
  _ga: any;
}
/** The fields of a channel the engine uses (lib/index.ts channel). */
export interface C {
  _bal: number;
  _head: T | null;
  _tail: T | null;
  _cl: number;
}

/** Returned by an _nr call that switched (lib/index.ts Py_UnwindToken). */
let UNWIND: object;

// ---- thread state -------------------------------------------------------------------------------

/** Is the engine in charge of this thread (else the core is, for good)? */
let on = true;
let main: T;
let cur: T;            // head of the run queue: the running tasklet
let tail: T;
let runcount = 1;
/** What slows every operation down: callbacks, a timed run(), switch_trap, a running callback
 * (the fast paths are taken only while it is 0). */
let slow = 0;
let inCallback = 0;
let inHandler = 0;   // the error handler runs (the thread cannot hand over to the core then)
let trapLevel = 0;
let handover = 0;
let scheduleCb: any = undefined;
let channelCb: any = undefined;
let errorHandler: any = undefined;
let isProcessMain = true;

// watchdog (run()): one frame per active run() call, innermost last
export interface Frame {
  caller: T;
  owns: boolean;
  savedOwner: T | null;
  savedTimeout: number;
  savedSliceStart: number;
  savedFlags: number;
}
const frames: Frame[] = [];
let wdOwner: T | null = null;
let wdTimeout = 0;
let wdFlags = 0;
let wdSliceStart = 0;
let wdEpoch = 0;
const nowUs = (): number => performance.now() * 1000;

// tasklet ids: blocks reserved from the core's counter (unique in the process)
let nextId = 0;
let idsLeft = 0;
let reserveIds: (n: number) => number;
/** A new tasklet id (made when a JS tasklet's id is first asked for). */
export function newId(): number {
  if (idsLeft === 0) {
    nextId = reserveIds(256);
    idsLeft = 256;
  }
  idsLeft--;
  return nextId++;
}

export function init(m: T, token: object, processMain: boolean, ids: (n: number) => number): void {
  main = m;
  cur = tail = m;
  m._st = S_MAIN | S_ALIVE | S_STARTED | S_RUNQ;
  m._next = null;
  UNWIND = token;
  isProcessMain = processMain;
  reserveIds = ids;
}

function updateSlow(): void {
  slow = inCallback | trapLevel | (scheduleCb !== undefined ? 1 : 0) | (channelCb !== undefined ? 1 : 0) |
    (wdOwner !== null ? 1 : 0);
}

/** The engine gives up the thread (lib/index.ts toCore copies its state into the core). */
export function handOver(): void { on = false; }

// (the state is in module variables, not exported ones: CommonJS would make every use of an
// exported `let` a property access on `exports`; lib/index.ts reads it through these)
/** Is the engine in charge of this thread? */
export function isOn(): boolean { return on; }
export function current(): T { return cur; }
export function runCount(): number { return runcount; }
export function scheduleCallback(): unknown { return scheduleCb; }
export function channelCallback(): unknown { return channelCb; }

// ---- run queue ----------------------------------------------------------------------------------

/** Append t at the tail (the core: just before current). */
export function append(t: T): void {
  t._next = null;
  if (runcount === 0) cur = t;
  else tail._next = t;
  tail = t;
  t._st |= S_RUNQ;
  runcount++;
}

/** Unlink the head (current); its successor becomes the head. */
function unlinkHead(): T {
  const t = cur;
  cur = t._next as T;   // (null when the queue is empty: runcount 0, set again by append)
  t._next = null;
  t._st &= ~S_RUNQ;
  runcount--;
  return t;
}

/** Unlink any tasklet of the run queue. */
function unlinkAny(t: T): void {
  if (t === cur) {
    unlinkHead();
    return;
  }
  let p = cur;
  while (p._next !== t) p = p._next as T;
  p._next = t._next;
  if (tail === t) tail = p;
  t._next = null;
  t._st &= ~S_RUNQ;
  runcount--;
}

function insertAfterHead(t: T): void {
  t._next = cur._next;
  cur._next = t;
  if (tail === cur) tail = t;
  t._st |= S_RUNQ;
  runcount++;
}

/** The tasklet before the tail, when appendToRun() knew it (a hint for rotateTo). */
let beforeTail: T | null = null;

/** Append t, which is to become current next (run(), throw(), kill() of a tasklet that was not
 * runnable): making the tail current needs the tasklet before it, which a singly linked queue
 * only knows at this moment. */
function appendToRun(t: T): void {
  beforeTail = runcount !== 0 ? tail : null;
  append(t);
}

/** x (in the run queue) becomes current: the queue rotates, as the core's circular one does. */
function rotateTo(x: T): void {
  if (x === cur) return;
  let p = cur;
  const b = beforeTail;
  beforeTail = null;
  if (b !== null && x === tail && b._next === x) p = b;
  else while (p._next !== x) p = p._next as T;
  tail._next = cur;
  tail = p;
  p._next = null;
  cur = x;
}

/** The successor of the head in the circular order (the head itself when it is alone). */
function headNext(): T { return cur._next !== null ? cur._next : cur; }

/** The tasklet after t in the run queue, circularly (t is in it). */
export function runqNext(t: T): T { return t._next !== null ? t._next : cur; }
export function runqPrev(t: T): T {
  let p = cur;
  while (runqNext(p) !== t) p = runqNext(p);
  return p;
}
function runqList(): T[] {
  const a: T[] = [];
  for (let t: T | null = cur; t !== null && runcount > 0; t = t._next) a.push(t);
  return a;
}

// ---- channel queues -----------------------------------------------------------------------------

function chanAppend(ch: C, t: T, dir: number): void {
  t._next = null;
  if (ch._tail === null) ch._head = t;
  else ch._tail._next = t;
  ch._tail = t;
  t._chan = ch;
  t._st |= dir > 0 ? S_BSEND : S_BRECV;
  ch._bal += dir;
}

/** Unlink t from ch's queue; p is the waiter before it (null: t is the first). */
function chanUnlink(ch: C, t: T, p: T | null): void {
  if (p === null) ch._head = t._next;
  else p._next = t._next;
  if (ch._tail === t) ch._tail = p;
  t._next = null;
  t._chan = null;
  ch._bal -= (t._st & S_BSEND) !== 0 ? 1 : -1;
  t._st &= ~S_BLOCKED;
}

function chanShift(ch: C): T {
  const t = ch._head as T;
  chanUnlink(ch, t, null);
  return t;
}

/** Remove t from the queue of the channel it waits on. */
function chanRemove(t: T): void {
  const ch = t._chan as C;
  let p: T | null = null;
  if (ch._head !== t) {
    p = ch._head as T;
    while (p._next !== t) p = p._next as T;
  }
  chanUnlink(ch, t, p);
}

// ---- predicates ---------------------------------------------------------------------------------

const paused = (t: T): boolean => (t._st & (S_ALIVE | S_RUNQ | S_BLOCKED)) === S_ALIVE;
export function irqPending(t: T): boolean {
  const e = (t._st & IRQ_MASK) >>> IRQ_SHIFT;
  return e !== 0 && wdOwner !== null && e === wdEpoch;
}
function irqMark(t: T): void { t._st = (t._st & ~IRQ_MASK) | (wdEpoch << IRQ_SHIFT); }
function irqClear(t: T): void { t._st &= ~IRQ_MASK; }
export function irqEpoch(t: T): number { return (t._st & IRQ_MASK) >>> IRQ_SHIFT; }

// ---- errors of the switching checks --------------------------------------------------------------

const CANNOT_BLOCK_GEN = 'a generator tasklet cannot block in a call that is not _nr: write ' +
  '`yield ch.receive_nr()` (also send_nr, schedule_nr, ...) instead';
let cannotBlockPlain = '';
/** The message for a plain-function tasklet that tries to block (lib/index.ts knows why). */
export function setCannotBlockMessage(msg: string): void { cannotBlockPlain = msg; }

/** May the current tasklet unwind in this call (nr: the _nr form)? Main always can (it waits in
 * mainWait); a generator tasklet in an _nr call. */
function mayUnwind(nr: number): boolean {
  return cur === main || (nr !== 0 && (cur._st & K_MASK) === K_GEN);
}

function checkCanSwitch(nr: number): void {
  if (inCallback !== 0) throw new RuntimeError('Recursive scheduler call due to callbacks!');
  if (!mayUnwind(nr)) {
    throw new RuntimeError((cur._st & K_MASK) === K_GEN ? CANNOT_BLOCK_GEN : cannotBlockPlain);
  }
}

function trapCheck(): void {
  if (trapLevel !== 0) throw new RuntimeError('switch_trap');
}

// ---- callbacks (callbacks.c) ----------------------------------------------------------------------

function reportUnraisable(context: string, e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`stackless: ${context}: ${pyname(e)}: ${msg}\n`);
}

/** A callback, as the core calls one: no switching inside it; what it throws is reported. */
function callback(what: string, fn: any, args: unknown[]): void {
  inCallback++;
  updateSlow();
  try {
    fn(...args);
  } catch (e) {
    reportUnraisable(what, e);
  }
  inCallback--;
  updateSlow();
}
function callScheduleCb(prev: T, next: T): void { callback('Error in scheduling callback', scheduleCb, [prev, next]); }
function callChannelCb(ch: C, t: T, sending: number, willblock: number): void {
  callback('Error in channel callback', channelCb, [ch, t, sending, willblock]);
}

export function setCallback(kind: number, fn: unknown): unknown {
  let prev: unknown;
  if (kind === 0) {
    prev = scheduleCb;
    scheduleCb = fn;
  } else if (kind === 1) {
    prev = channelCb;
    channelCb = fn;
  } else {
    prev = errorHandler;
    errorHandler = fn;
  }
  updateSlow();
  return prev;
}

export function switchTrap(change: number): number {
  const old = trapLevel;
  trapLevel += change;
  updateSlow();
  return old;
}

// ---- switching (scheduler.c slp_transfer) ----------------------------------------------------------

// what transfer() did
const SAME = 0, SWITCHED = 1;

function softDivert(prev: T, next: T): T {
  const w = wdOwner;
  if (w === null || !irqPending(prev) || (wdFlags & WD_SOFT) === 0 || prev === w) return next;
  irqClear(prev);
  if (handover !== 0) {
    irqMark(next);
    return next;
  }
  if ((w._st & (S_RUNQ | S_BLOCKED)) === 0) appendToRun(w);
  if ((w._st & S_RUNQ) === 0) return next;   // the watchdog waits on a channel: keep going
  w.tv = undefined;
  return w;
}

function totalDivert(next: T): T {
  const w = wdOwner as T;
  if ((wdFlags & WD_TOTAL) === 0 || next === w || next === main || (next._st & S_ATOMIC) !== 0 ||
      (w._st & S_BLOCKED) !== 0 || inCallback !== 0 || trapLevel !== 0 || nowUs() - wdSliceStart < wdTimeout) {
    return next;
  }
  if ((wdFlags & WD_SOFT) === 0) {
    w.tv = next;   // run() returns it, paused and unresumed
    unlinkAny(next);
  } else {
    w.tv = undefined;
  }
  if ((w._st & S_RUNQ) === 0) appendToRun(w);
  return w;
}

function wdSwitched(): void {
  if (wdOwner !== null && (wdFlags & WD_TOTAL) === 0) wdSliceStart = nowUs();
}

/** Give control to next (in the run queue; prev is the head). SAME: prev goes on (its resume
 * value is in prev.tv); SWITCHED: next is current. */
function transfer(prev: T, next: T): number {
  if (wdOwner !== null) {
    next = softDivert(prev, next);
    next = totalDivert(next);
  }
  handover = 0;
  if (prev === next) {
    rotateTo(next);
    return SAME;
  }
  if (scheduleCb !== undefined) callScheduleCb(prev, next);
  rotateTo(next);
  wdSwitched();
  return SWITCHED;
}

/** The resume value of t (now current): its tempval, consumed; a Boom is thrown. A tasklet that
 * waits in run() leaves its watchdog frame (the core's slp_watchdog_run_end). */
function resumeValue(t: T): unknown {
  const v = t.tv;
  t.tv = undefined;
  if ((t._st & S_INRUN) !== 0) wdPop(t);
  if (v instanceof Boom) throw v.exc();
  return v;
}

/** The end of a switching call made by the current tasklet `me`: SAME, its value; SWITCHED, the
 * token for a generator tasklet, or (main) the value it gets once the others let it run again. */
function finish(me: T, how: number): unknown {
  if (how === SAME) return resumeValue(me);
  if (me === main) return mainWait();
  return UNWIND;
}

// ---- the trampoline -----------------------------------------------------------------------------

/** Run the others until main is current again, and return main's resume value. */
function mainWait(): unknown {
  trampoline();
  if (!on) return migrated.mainResume();
  return resumeValue(main);
}

/** What lib/index.ts provides for the moment the engine hands over in the middle of a wait. */
const migrated = {
  /** the core's trampoline went on where the engine's stopped; returns main's resume value */
  mainResume: (): unknown => undefined,
  /** a generator step that ran across the hand-over: finish it in the core's terms */
  afterStep: (_t: T, _res: IteratorResult<unknown>): void => { /* set by lib/index.ts */ },
  afterThrow: (_t: T, _e: unknown): void => { /* set by lib/index.ts */ },
};

/** Runs tasklets until main is current (or the engine hands over: every step checks `on`). */
function trampoline(): void {
  let t: T;
  while ((t = cur) !== main) {
    const st = t._st;
    let v = t.tv;
    t.tv = undefined;
    if ((st & S_INRUN) !== 0) wdPop(t);
    if ((st & S_RET) !== 0) {
      // it returned (or threw) right after a switching call: it ends now that it runs again
      if (v instanceof Boom) endTasklet(t, true, v.exc());
      else if ((st & S_THREW) !== 0) endTasklet(t, true, t._ga);
      else endTasklet(t, false, undefined);
      continue;
    }
    let g;
    let res: IteratorResult<unknown>;
    try {
      if ((st & S_STARTED) === 0) {
        t._st = (st & ~S_PREP) | S_STARTED;
        if (v instanceof Boom) throw v.exc();
        g = t._ga;
        if ((st & K_MASK) !== K_GEN) {
          t._ga = undefined;
          g();   // the prepared call of a plain function
          if (!on) {
            migrated.afterStep(t, { done: true, value: undefined });
            return;
          }
          endTasklet(t, false, undefined);
          continue;
        }
        res = g.next();
      } else if (v instanceof Boom) {
        g = t._ga;
        res = g.throw(v.exc());
      } else {
        g = t._ga;
        res = g.next(v);
      }
      // a call that switched may hand back something other than the token (an int _nr function
      // of the C-API mirror): a change of the current tasklet is the test
      while (res.done !== true && res.value !== UNWIND && cur === t && on) {
        if (wdOwner !== null && yieldPoll(t, res.value)) break;
        res = g.next(res.value);
      }
    } catch (e) {
      if (!on) {
        migrated.afterThrow(t, e);
        return;
      }
      if (cur === t) {
        endTasklet(t, true, e);
      } else {
        t._st |= S_RET | S_THREW;   // it switched, then threw: it ends when it runs again
        t._ga = e;
      }
      continue;
    }
    if (!on) {
      migrated.afterStep(t, res);
      return;
    }
    if (res.done === true) {
      if (cur !== t) t._st |= S_RET;   // `return ch.send_nr(x)`: it switched first
      else endTasklet(t, false, undefined);
    }
  }
}

// ---- the end of a tasklet (scheduler.c slp_end_tasklet) ---------------------------------------------

function routeException(e: unknown): Boom | null {
  if (e instanceof TaskletExit) return null;
  if (e instanceof SystemExit) {
    if (!isProcessMain) return null;
    const code = e.args.length > 0 && typeof e.args[0] === 'number' ? e.args[0] as number : 0;
    process.exit(code);
  }
  if (errorHandler !== undefined) {
    inHandler++;
    try {
      errorHandler(excClassFor(e, pyname(e)), e, undefined);
      return null;
    } catch (e2) {
      return new Boom(e2);
    } finally {
      inHandler--;
    }
  }
  return new Boom(e);
}

function wakeupTarget(): T {
  return frames.length !== 0 ? frames[frames.length - 1].caller : main;
}

function deliverToWakeup(b: Boom): T {
  const w = wakeupTarget();
  if ((w._st & S_BLOCKED) !== 0) chanRemove(w);
  w.tv = b;
  if ((w._st & S_RUNQ) === 0) appendToRun(w);
  return w;
}

/** Current tasklet t ended (threw: with exception e). Who runs next becomes current. */
function endTasklet(t: T, threw: boolean, e: unknown): void {
  t._ga = undefined;   // dead: unbound (STATES.md 1): tempval undefined, setup() fails
  const b = threw ? routeException(e) : null;
  const succ = t._next;
  unlinkHead();
  t._st &= K_MASK | S_HARD_SET | S_HARD_ON | S_ATOMIC | S_IGN | S_BTRAP;   // (no S_PREP, S_STARTED: dead)
  t.tv = undefined;
  let next: T;
  if (b !== null) {
    next = deliverToWakeup(b);
  } else if (succ !== null) {
    next = succ;
  } else {
    const w = wakeupTarget();
    if (paused(w)) {
      w.tv = undefined;
      append(w);
      next = w;
    } else {
      // (the wake-up target is blocked: nothing else can ever run)
      next = deliverToWakeup(new Boom(new RuntimeError((w._st & S_BRECV) !== 0
        ? 'the main tasklet is receiving without a sender available.'
        : 'the main tasklet is sending without a receiver available.')));
    }
  }
  if (scheduleCb !== undefined) callScheduleCb(t, next);
  rotateTo(next);
  wdSwitched();
}

/** Who runs when the current tasklet blocked or removed itself (it is unlinked already); null:
 * nobody (Deadlock). */
function nextAfterBlock(blocker: T): T | null {
  if (runcount !== 0) return cur;
  const w = wakeupTarget();
  const threadblock = wdOwner !== null && (wdFlags & WD_THREADBLOCK) !== 0;
  if (paused(w) && (!threadblock || isProcessMain)) {
    if (w !== blocker) w.tv = undefined;
    append(w);
    return w;
  }
  return null;
}
const DEADLOCK = 'Deadlock: the last runnable tasklet cannot be blocked.';

// ---- channels (channel.c) -----------------------------------------------------------------------

// The fast paths (preference -1, not closing, no schedule_all, nothing that slows down: no
// callbacks, watchdog, switch_trap), small enough for V8 to inline into the caller; everything
// else goes through chanGeneral, as the core's general path.

/** ch.send(value) by the current tasklet; nr: the _nr form. */
export function send(ch: C, value: unknown, nr: number): unknown {
  const me = cur;
  if ((slow | ch._cl) === 0 && (me === main || (nr !== 0 && (me._st & K_MASK) === K_GEN))) {
    if (ch._bal < 0) return handTo(ch, me, value);
    if (me._next !== null && (me._st & S_BTRAP) === 0) return blockHere(ch, me, 1, value);
  }
  return chanGeneral(ch, 1, value, nr);
}

/** ch.receive() by the current tasklet; nr: the _nr form. */
export function recv(ch: C, nr: number): unknown {
  if ((slow | ch._cl) === 0) {
    if (ch._bal > 0) return takeFrom(ch);
    const me = cur;
    if (me._next !== null && (me._st & S_BTRAP) === 0 && (me === main || (nr !== 0 && (me._st & K_MASK) === K_GEN))) {
      return blockHere(ch, me, -1, undefined);
    }
  }
  return chanGeneral(ch, -1, undefined, nr);
}

// (these three update each tasklet's links and state bits in one go: they are the hop)

/** The waiting receiver gets the value and runs now; the sender (the head) after all others. */
function handTo(ch: C, me: T, value: unknown): unknown {
  const p = ch._head as T;
  ch._head = p._next;
  if (ch._head === null) ch._tail = null;
  ch._bal++;
  p._chan = null;
  p._st = (p._st & ~S_BRECV) | S_RUNQ;
  p.tv = value;
  me.tv = undefined;
  // (p goes after the head, and the head to the tail: p is the head)
  p._next = me._next;
  cur = p;
  me._next = null;
  if (p._next === null) p._next = me;
  else tail._next = me;
  tail = me;
  runcount++;
  return me === main ? mainWait() : UNWIND;
}

/** Take the waiting sender's value; it becomes runnable, the receiver goes on. */
function takeFrom(ch: C): unknown {
  const p = ch._head as T;
  ch._head = p._next;
  if (ch._head === null) ch._tail = null;
  ch._bal--;
  p._chan = null;
  p._st = (p._st & ~S_BSEND) | S_RUNQ;
  const v = p.tv;
  p.tv = undefined;
  p._next = null;
  tail._next = p;   // (the receiver is in the run queue: it is not empty)
  tail = p;
  runcount++;
  if (v instanceof Boom) throw v.exc();
  return v;
}

/** Block the current tasklet, which has a successor in the run queue. */
function blockHere(ch: C, me: T, dir: number, value: unknown): unknown {
  me.tv = value;
  cur = me._next as T;
  runcount--;
  me._next = null;
  me._st = (me._st & ~S_RUNQ) | (dir > 0 ? S_BSEND : S_BRECV);
  me._chan = ch;
  if (ch._tail === null) ch._head = me;
  else ch._tail._next = me;
  ch._tail = me;
  ch._bal += dir;
  return me === main ? mainWait() : UNWIND;
}

function chanGeneral(ch: C, dir: number, value: unknown, nr: number): unknown {
  if (inCallback !== 0) throw new RuntimeError('Recursive channel call due to callbacks!');
  if (wdOwner !== null) pollEntry();
  const me = cur;
  let willblock = dir > 0 ? ch._bal >= 0 : ch._bal <= 0;
  if (channelCb !== undefined) {
    const saved = me.tv;
    me.tv = dir > 0 ? value : undefined;
    callChannelCb(ch, me, dir > 0 ? 1 : 0, willblock ? 1 : 0);
    me.tv = saved;
    willblock = dir > 0 ? ch._bal >= 0 : ch._bal <= 0;
  }
  return willblock ? chanBlock(ch, dir, value, nr) : chanTransfer(ch, dir, value, nr);
}

function chanBlock(ch: C, dir: number, value: unknown, nr: number): unknown {
  const me = cur;
  if ((me._st & S_BTRAP) !== 0) throw new RuntimeError('this tasklet does not like to be blocked.');
  if ((ch._cl & C_CLOSING) !== 0) throw new ValueError('Send/receive operation on a closed channel');
  checkCanSwitch(nr);
  trapCheck();
  me.tv = dir > 0 ? value : undefined;
  unlinkHead();
  chanAppend(ch, me, dir);
  const next = nextAfterBlock(me);
  if (next === null) {   // deadlock: leave the channel as it was
    chanRemove(me);
    append(me);
    me.tv = undefined;
    throw new RuntimeError(DEADLOCK);
  }
  return finish(me, transfer(me, next));
}

function chanTransfer(ch: C, dir: number, value: unknown, nr: number): unknown {
  const me = cur;
  const sa = (ch._cl & C_SA) !== 0;
  const preferPartner = !sa && prefOf(ch._cl) === -dir;
  if (sa || preferPartner) {
    checkCanSwitch(nr);
    trapCheck();
  }
  const p = ch._head as T;
  chanShift(ch);
  let result: unknown;
  if (dir > 0) {
    p.tv = value;
    result = undefined;
  } else {
    result = p.tv;
    p.tv = undefined;
  }
  if (sa) {
    append(p);
    me.tv = result;
    return finish(me, transfer(me, headNext()));
  }
  if (preferPartner) {
    insertAfterHead(p);
    me.tv = result;
    handover = 1;
    return finish(me, transfer(me, p));
  }
  append(p);
  if (result instanceof Boom) throw result.exc();
  return result;
}

// ---- schedule -----------------------------------------------------------------------------------

export function schedule(retval: unknown, remove: number, nr: number): unknown {
  if (slow === 0 && remove === 0 && (nr !== 0 ? (cur._st & K_MASK) === K_GEN : cur === main)) {
    const me = cur;
    if (me._next === null) {   // alone: nothing to switch to
      if (retval instanceof Boom) throw retval.exc();
      return retval;
    }
    me.tv = retval;
    cur = me._next;
    me._next = null;
    tail._next = me;
    tail = me;
    if (me === main) return mainWait();
    return UNWIND;
  }
  if (wdOwner !== null) pollEntry();
  const prev = cur;
  checkCanSwitch(nr);
  if (remove === 0) {
    const next = headNext();
    if (next !== prev && trapLevel !== 0) throw new RuntimeError('switch_trap');
    prev.tv = retval;
    return finish(prev, transfer(prev, next));
  }
  if (trapLevel !== 0) {
    const w = wakeupTarget();
    if (prev._next !== null || (w !== prev && paused(w))) throw new RuntimeError('switch_trap');
  }
  unlinkHead();
  const next = nextAfterBlock(prev);
  if (next === null) {
    append(prev);
    throw new RuntimeError(DEADLOCK);
  }
  prev.tv = retval;
  return finish(prev, transfer(prev, next));
}

// ---- tasklet operations (tasklet.c) -------------------------------------------------------------

export function insert(t: T): void {
  if (wdOwner !== null) pollEntry();
  if ((t._st & S_BLOCKED) !== 0) throw new RuntimeError('You cannot run a blocked tasklet');
  if ((t._st & S_RUNQ) !== 0) return;
  if ((t._st & S_ALIVE) === 0) throw new RuntimeError('You cannot run an unbound(dead) tasklet');
  append(t);
}

export function remove(t: T): void {
  if (wdOwner !== null) pollEntry();
  if ((t._st & S_BLOCKED) !== 0) throw new RuntimeError('You cannot remove a blocked tasklet.');
  if (t === cur) throw new RuntimeError('The current tasklet cannot be removed.');
  if ((t._st & S_RUNQ) === 0) return;
  unlinkAny(t);
}

/** t.run() (sw 0) or t.switch() (sw 1). */
export function runSwitch(t: T, sw: number, nr: number): unknown {
  if (wdOwner !== null) pollEntry();
  if (t === cur) return undefined;
  if ((t._st & S_BLOCKED) !== 0) throw new RuntimeError('You cannot run a blocked tasklet');
  if ((t._st & S_ALIVE) === 0) throw new RuntimeError('You cannot run an unbound(dead) tasklet');
  checkCanSwitch(nr);
  trapCheck();
  const prev = cur;
  if ((t._st & S_RUNQ) === 0) appendToRun(t);
  if (sw !== 0) unlinkHead();
  return finish(prev, transfer(prev, t));
}

/** t.throw / raise_exception / kill: e is the exception (kill: undefined, a TaskletExit is made
 * only when it is needed). */
export function throwTo(t: T, e: unknown, pending: boolean, nr: number, kill: boolean, mkExit: () => unknown): unknown {
  if (wdOwner !== null) pollEntry();
  const isAlive = (t._st & S_ALIVE) !== 0;
  if (kill && !isAlive) return undefined;
  if (!pending && t !== cur && isAlive) {
    checkCanSwitch(nr);
    trapCheck();
  }
  if (kill) e = mkExit();
  if (t === cur) throw e;
  if (!isAlive) {
    if (e instanceof TaskletExit) {
      if ((t._st & S_BLOCKED) !== 0) chanRemove(t);
      return undefined;
    }
    throw new RuntimeError('You cannot throw to a dead tasklet');
  }
  t.tv = new Boom(e);
  if ((t._st & S_BLOCKED) !== 0) {
    chanRemove(t);
    appendToRun(t);
  } else if ((t._st & S_RUNQ) === 0) {
    appendToRun(t);
  }
  if (pending) return undefined;
  return runSwitch(t, 0, nr);
}

export function setAtomic(t: T, flag: number): boolean {
  if (wdOwner !== null) pollEntry();
  const old = (t._st & S_ATOMIC) !== 0;
  if (flag !== 0) t._st |= S_ATOMIC;
  else t._st &= ~S_ATOMIC;
  if (old && flag === 0 && irqPending(t) && t === cur) wdRearm();
  return old;
}

export function setIgnoreNesting(t: T, flag: number): boolean {
  if (wdOwner !== null) pollEntry();
  const old = (t._st & S_IGN) !== 0;
  if (flag !== 0) t._st |= S_IGN;
  else t._st &= ~S_IGN;
  if (!old && flag !== 0 && irqPending(t) && t === cur) wdRearm();
  return old;
}

// ---- watchdog (watchdog.c) ----------------------------------------------------------------------

function wdRearm(): void {
  if (wdOwner !== null) wdSliceStart = nowUs() - wdTimeout;
}

function wdPush(caller: T, timeout: number, flags: number): void {
  const owns = timeout > 0 && wdOwner === null;
  caller._st |= S_INRUN;
  frames.push({
    caller, owns, savedOwner: wdOwner, savedTimeout: wdTimeout, savedSliceStart: wdSliceStart, savedFlags: wdFlags,
  });
  if (owns) {
    if (++wdEpoch > 0x3fff) wdEpoch = 1;   // 0 means "no mark"
    wdOwner = caller;
    wdTimeout = timeout;
    wdFlags = flags;
    wdSliceStart = nowUs();
    updateSlow();
  }
}

/** t resumed: if it waits in run(), pop its frame and every deeper one; deeper callers that are
 * not scheduled go back into the run queue; an owner gives the timeout back. */
function wdPop(t: T): void {
  let i = frames.length;
  while (i > 0 && frames[i - 1].caller !== t) i--;
  if (i === 0) return;
  while (frames.length >= i) {
    const f = frames.pop() as Frame;
    f.caller._st &= ~S_INRUN;
    if (f.owns) {
      wdOwner = f.savedOwner;
      wdTimeout = f.savedTimeout;
      wdFlags = f.savedFlags;
      wdSliceStart = f.savedSliceStart;
      updateSlow();
    }
    if (f.caller !== t && paused(f.caller)) append(f.caller);
  }
  for (const f of frames) f.caller._st |= S_INRUN;   // (a caller may wait in an outer run() too)
}

/** stackless.run(timeout, flags) by the current tasklet. */
export function run(timeout: number, flags: number, nr: number): unknown {
  if (wdOwner !== null) pollEntry();
  const me = cur;
  if (me._next === null) return undefined;   // nothing else runnable
  trapCheck();
  checkCanSwitch(nr);
  wdPush(me, timeout, flags);
  unlinkHead();
  me.tv = undefined;
  return finish(me, transfer(me, cur));
}

/** The watchdog at an API call (slp_watchdog_poll_slow): a due interrupt is marked on a JS
 * tasklet (it is interrupted at its next yield or switch); main is interrupted here: the others
 * run, nested, until it is resumed. */
export function pollEntry(): void {
  const w = wdOwner;
  const c = cur;
  if (w === null || c === w || inCallback !== 0) return;
  const now = nowUs();
  if (now - wdSliceStart < wdTimeout) return;
  if ((wdFlags & WD_TOTAL) === 0) wdSliceStart = now;   // (totaltimeout: the budget stays spent)
  if ((wdFlags & WD_SOFT) !== 0 || (c._st & S_ATOMIC) !== 0 || trapLevel !== 0 || c !== main) {
    irqMark(c);
    return;
  }
  irqClear(c);
  w.tv = c;
  unlinkHead();
  if ((w._st & (S_RUNQ | S_BLOCKED)) === 0) appendToRun(w);
  if (transfer(c, w) === SAME) {
    resumeValue(c);
    return;
  }
  trampoline();
  if (!on) {
    migrated.mainResume();
    return;
  }
  resumeValue(c);
}

/** A generator tasklet yielded a value that is not the token while a timed run() is active
 * (binding.cc Poll). Returns true if it was interrupted (it is paused; its resume value is the
 * value it yielded, so that insert() continues it as if nothing happened). */
function yieldPoll(t: T, yielded: unknown): boolean {
  pollEntry();
  const w = wdOwner;
  if (w === null || t === w || !irqPending(t) || (wdFlags & WD_SOFT) !== 0 || (t._st & S_ATOMIC) !== 0 ||
      trapLevel !== 0 || inCallback !== 0 || (w._st & S_BLOCKED) !== 0) {
    return false;
  }
  irqClear(t);
  t.tv = yielded;
  w.tv = t;
  unlinkHead();
  if ((w._st & S_RUNQ) === 0) appendToRun(w);
  transfer(t, w);
  return true;
}

// ---- the hand-over ------------------------------------------------------------------------------

/** Everything the hand-over (lib/index.ts toCore) copies into the core. The current tasklet is
 * resumed first as far as the watchdog goes (its run() frame, if it waits in one, ends), as the
 * core does at the switch. */
export function snapshot(): {
  cur: T; runq: T[]; frames: Frame[];
  wd: { owner: T | null; timeout: number; flags: number; elapsed: number; epoch: number };
  trap: number; callbacks: unknown[];
} {
  if ((cur._st & S_INRUN) !== 0) wdPop(cur);
  return {
    cur,
    runq: runqList(),
    frames: frames.slice(),
    wd: { owner: wdOwner, timeout: wdTimeout, flags: wdFlags, elapsed: nowUs() - wdSliceStart, epoch: wdEpoch },
    trap: trapLevel,
    callbacks: [scheduleCb, channelCb, errorHandler],
  };
}
export function inCallbackNow(): boolean { return inCallback !== 0 || inHandler !== 0; }

export {
  K_MASK, S_RET, S_HARD_SET, S_HARD_ON, S_ALIVE, S_STARTED, S_RUNQ, S_BSEND, S_ATOMIC, S_IGN,
  S_BTRAP, S_THREW, S_MAIN, S_PREP, S_BLOCKED, C_CLOSING, C_SA, C_P0, C_P1, prefOf, prefBits,
  paused, migrated,
};
