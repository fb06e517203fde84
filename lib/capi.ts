// The C-API mirror (NODE.md 3.1): every function of C-API.md 3-6 and 9 under its exact C name,
// with the C parameters in the C order, built on the Python-named layer of ./index.
//
// Conventions (C-API.md 1, 10):
// - int functions return numbers: 0 success / -1 failure; the int _nr functions 1 (switched:
//   the caller must unwind) / 0 / -1; predicates and getters 0/1 or the value (-1 only for a
//   bad argument). Functions returning PyObject * return the value, or the frozen sentinel NULL
//   on failure. void functions return undefined. Py_None is undefined.
// - Failure never throws: it sets this module instance's (i.e. this thread's) error indicator,
//   read with PyErr_Occurred / PyErr_Fetch, cleared with PyErr_Clear, set with PyErr_SetString.
//   A successful call leaves a pending error alone, as in C.
// - Like the C functions, the mirror operates on the base implementation: it calls the methods
//   of tasklet.prototype / channel.prototype, not overrides of a subclass. PyTasklet_New and
//   PyTasklet_Setup go through the subclass (its constructor, its setup), as C-API.md 4 says.
//
// Soft switching in generator tasklets (NODE.md 3.3): an object-returning _nr function that
// switched returns Py_UnwindToken, so `const v = yield PyChannel_Receive_nr(ch)` is the idiom.
// An int-returning _nr function that switched returns 1; the caller must then unwind, as a C
// caller returns Py_UnwindToken:
//     if (PyChannel_Send_nr(ch, x) === 1) yield Py_UnwindToken;
// (yielding the 1 itself does not unwind: the generator would go on running while another
// tasklet is current). Once the caller has unwound, the operation completes when the tasklet
// is resumed: its result is the value of the `yield`, and an exception it raises (a bomb
// received, a kill) is thrown at the `yield`, as for the Python-named _nr methods; the mirror
// function has already returned by then.
//
// This module is loaded through the package's main module (index re-exports it); load that
// first when requiring this file directly.
import * as S from './index';
import { RuntimeError, SystemError, ValueError, AttributeError, TaskletExit } from './errors';

type Tasklet = S.tasklet;
type Channel = S.channel;

// ---- sentinels, types, constants ---------------------------------------------------------------

/** Returned by object-returning mirror functions on failure (C's NULL pointer). */
export const NULL: object = Object.freeze(Object.create(null, {
  toString: { value: () => 'NULL' },
  [Symbol.toStringTag]: { value: 'NULL' },
  [Symbol.for('nodejs.util.inspect.custom')]: { value: () => 'NULL' },
}));

/** Python's None is undefined (NODE.md 3.4). */
export const Py_None: undefined = undefined;

const UNWIND = S.Py_UnwindToken;

/** STACKLESS_UNWINDING(obj): 1 if obj is Py_UnwindToken, else 0 (C-API.md 2). */
export function STACKLESS_UNWINDING(obj: unknown): number {
  return obj === UNWIND ? 1 : 0;
}

export const PyTasklet_Type: typeof S.tasklet = S.tasklet;
export const PyChannel_Type: typeof S.channel = S.channel;
export const PyExc_TaskletExit: typeof TaskletExit = TaskletExit;

export const Py_WATCHDOG_THREADBLOCK = 1;
export const PY_WATCHDOG_SOFT = 2;
export const PY_WATCHDOG_IGNORE_NESTING = 4;
export const PY_WATCHDOG_TOTALTIMEOUT = 8;
/** The older docs' name of PY_WATCHDOG_TOTALTIMEOUT. */
export const PY_WATCHDOG_TIMEOUT = PY_WATCHDOG_TOTALTIMEOUT;

// ---- the error indicator -----------------------------------------------------------------------

let errSet = false;
let errValue: unknown = undefined;

/** f(), or the failure value with the error indicator set to what f threw (C convention). */
function guard<R>(f: () => R, failure: R): R {
  try {
    return f();
  } catch (e) {
    fail(e);
    return failure;
  }
}

function fail(e: unknown): void {
  errSet = true;
  errValue = e;
}

function classOf(v: unknown): unknown {
  if (v === undefined || v === null) return Object;
  const c = (Object(v) as { constructor?: unknown }).constructor;
  return typeof c === 'function' ? c : Object;
}

function isExcClass(c: unknown): c is new (...a: unknown[]) => Error {
  return typeof c === 'function' && (c === Error || (c as any).prototype instanceof Error);
}

/** The class of the pending exception, or NULL. */
export function PyErr_Occurred(): unknown {
  return errSet ? classOf(errValue) : NULL;
}

/** The pending exception (any thrown JS value), or NULL; clears the indicator. */
export function PyErr_Fetch(): unknown {
  if (!errSet) return NULL;
  const v = errValue;
  errSet = false;
  errValue = undefined;
  return v;
}

export function PyErr_Clear(): void {
  errSet = false;
  errValue = undefined;
}

/** Sets the indicator to cls(msg). cls must be an Error subclass (else a TypeError is set). */
export function PyErr_SetString(cls: unknown, msg: unknown): void {
  return guard(() => {
    if (!isExcClass(cls)) {
      throw new TypeError(`exceptions must derive from BaseException (an Error subclass), not ${typeName(cls)}`);
    }
    fail(msg === undefined || msg === NULL ? new cls() : new cls(String(msg)));
  }, undefined);
}

// ---- argument helpers --------------------------------------------------------------------------

function typeName(x: unknown): string {
  if (x === NULL) return 'NULL';
  if (x === undefined || x === null) return 'NoneType';
  if (typeof x === 'function') return (x as any).name || 'function';
  if (typeof x === 'object') return (x as any).constructor?.name || 'object';
  return typeof x;
}

function badInternalCall(): never {
  throw new SystemError('bad argument to internal function');
}

function notSupported(name: string): never {
  throw new RuntimeError(`${name} is not supported yet`);
}

// (the messages of the C core's argument checks, native/core/tasklet.c and channel.c)
function T(x: unknown): Tasklet {
  if (x instanceof S.tasklet) return x;
  throw new TypeError(x === NULL ? 'tasklet argument is NULL' : 'argument must be a tasklet');
}

function C(x: unknown): Channel {
  if (x instanceof S.channel) return x;
  throw new TypeError(x === NULL ? 'channel argument is NULL' : 'argument must be a channel');
}

/** "may be NULL or Py_None (= not given)" */
function opt(x: unknown): unknown {
  return x === NULL || x === null ? undefined : x;
}

/** a C int / long argument */
function cint(x: unknown, what: string): number {
  if (typeof x === 'boolean') return x ? 1 : 0;
  if (typeof x === 'number' && Number.isInteger(x)) return x;
  throw new TypeError(`${what} must be an integer, not ${typeName(x)}`);
}

/** a C exception "value" argument: a tuple of constructor arguments, or one object (C-API.md 3) */
function ctorArgs(value: unknown): unknown[] {
  if (value === NULL) badInternalCall();
  return Array.isArray(value) ? value : [value];
}

const TP: any = S.tasklet.prototype;
const CP: any = S.channel.prototype;

function accessor(proto: object, name: string): PropertyDescriptor | undefined {
  for (let p: object | null = proto; p !== null; p = Object.getPrototypeOf(p)) {
    const d = Object.getOwnPropertyDescriptor(p, name);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** the base implementation's getter of an attribute (undefined if the layer lacks it) */
function getter(proto: object, name: string): ((this: unknown) => unknown) | undefined {
  const d = accessor(proto, name);
  return d?.get;
}

function setter(proto: object, name: string): (this: unknown, v: unknown) => void {
  const d = accessor(proto, name);
  if (d?.set === undefined) throw new RuntimeError(`${name} cannot be set`);
  return d.set;
}

function tget(t: Tasklet, name: string): unknown {
  const g = getter(TP, name);
  if (g === undefined) throw new RuntimeError(`tasklet.${name} is not available`);
  return g.call(t);
}

function cget(ch: Channel, name: string): unknown {
  const g = getter(CP, name);
  if (g === undefined) throw new RuntimeError(`channel.${name} is not available`);
  return g.call(ch);
}

/** the module function `name` of the Python-named layer, if it has it by now */
function layerFn(name: string): ((...a: unknown[]) => unknown) | undefined {
  const f = (S as any)[name];
  return typeof f === 'function' ? f : undefined;
}

// ---- 3. tasklet functions ----------------------------------------------------------------------

/** type(func), or type() when func is NULL / Py_None. type NULL (or omitted): PyTasklet_Type. */
export function PyTasklet_New(type: unknown, func: unknown): any {
  return guard(() => {
    const cls: any = type === NULL || type === undefined ? S.tasklet : type;
    if (typeof cls !== 'function' || !(cls === S.tasklet || cls.prototype instanceof S.tasklet)) {
      throw new TypeError();   // (no message, as in the reference)
    }
    const f = opt(func);
    return f === undefined ? new cls() : new cls(f);
  }, NULL);
}

/** task(*args, **kwds): the type's setup. args an array (tuple), kwds a plain object or NULL. */
export function PyTasklet_Setup(task: unknown, args: unknown, kwds: unknown): number {
  return guard(() => {
    const t = T(task);
    if (!Array.isArray(args)) throw new TypeError('tasklet args must be a tuple');
    const k = opt(kwds);
    if (k !== undefined && (typeof k !== 'object' || Array.isArray(k))) {
      throw new TypeError('tasklet kwargs must be a dictionary or None');
    }
    // (kwargs reach the function as its last argument: NODE.md 3.2)
    if (k === undefined) t.setup(...args);
    else t.setup(...args, k);
    return 0;
  }, -1);
}

/** task.bind(func, args, kwargs); each may be NULL or Py_None (= not given). */
export function PyTasklet_BindEx(task: unknown, func: unknown, args: unknown, kwargs: unknown): number {
  return guard(() => {
    TP.bind.call(T(task), opt(func), opt(args), opt(kwargs));
    return 0;
  }, -1);
}

/** Legacy (C-API.md 3, optional): bind the function only; returns task or NULL. */
export function PyTasklet_Bind(task: unknown, func: unknown): any {
  return guard(() => {
    const t = T(task);
    TP.bind.call(t, opt(func));
    return t;
  }, NULL);
}

/** task.bind_thread(thread_id); -1 means the calling thread. */
export function PyTasklet_BindThread(task: unknown, thread_id: unknown): number {
  return guard(() => {
    TP.bind_thread.call(T(task), cint(thread_id, 'thread_id'));
    return 0;
  }, -1);
}

function runNr(task: unknown, method: string): number {
  return guard(() => {
    return TP[method].call(T(task)) === UNWIND ? 1 : 0;
  }, -1);
}

/** task.run(); the value handed back when the caller resumes is discarded. */
export function PyTasklet_Run(task: unknown): number { return runNr(task, 'run'); }
/** 1: switched, the caller (a generator tasklet) must yield Py_UnwindToken; 0; -1. */
export function PyTasklet_Run_nr(task: unknown): number { return runNr(task, 'run_nr'); }
/** task.switch(): the caller is paused. */
export function PyTasklet_Switch(task: unknown): number { return runNr(task, 'switch'); }
export function PyTasklet_Switch_nr(task: unknown): number { return runNr(task, 'switch_nr'); }

export function PyTasklet_Remove(task: unknown): number {
  return guard(() => {
    TP.remove.call(T(task));
    return 0;
  }, -1);
}

export function PyTasklet_Insert(task: unknown): number {
  return guard(() => {
    TP.insert.call(T(task));
    return 0;
  }, -1);
}

/** self.raise_exception(klass, *args): args an array (tuple) or one value; not NULL. */
export function PyTasklet_RaiseException(self: unknown, klass: unknown, args: unknown): number {
  return guard(() => {
    const t = T(self);
    TP.raise_exception.call(t, klass, ...ctorArgs(args));
    return 0;
  }, -1);
}

/** self.throw(exc, val, tb, pending); val and tb may be NULL. */
export function PyTasklet_Throw(self: unknown, pending: unknown, exc: unknown, val: unknown, tb: unknown): number {
  return guard(() => {
    const t = T(self);
    const p = cint(pending, 'pending');
    if (exc === NULL) badInternalCall();
    TP.throw.call(t, exc, opt(val), opt(tb), p !== 0);
    return 0;
  }, -1);
}

/** self.kill(); killing the current tasklet returns -1 with TaskletExit set. */
export function PyTasklet_Kill(self: unknown): number {
  return guard(() => {
    TP.kill.call(T(self));
    return 0;
  }, -1);
}

export function PyTasklet_KillEx(self: unknown, pending: unknown): number {
  return guard(() => {
    const t = T(self);
    TP.kill.call(t, cint(pending, 'pending') !== 0);
    return 0;
  }, -1);
}

function tflag(task: unknown, name: string): number {
  return guard(() => {
    return tget(T(task), name) ? 1 : 0;
  }, -1);
}

function tnum(task: unknown, name: string): number {
  return guard(() => {
    return Number(tget(T(task), name));
  }, -1);
}

export function PyTasklet_GetAtomic(task: unknown): number { return tflag(task, 'atomic'); }

/** Stores flag != 0; returns the old value (0/1), -1 on a bad argument. */
export function PyTasklet_SetAtomic(task: unknown, flag: unknown): number {
  return guard(() => {
    return TP.set_atomic.call(T(task), flag) ? 1 : 0;
  }, -1);
}

export function PyTasklet_GetIgnoreNesting(task: unknown): number { return tflag(task, 'ignore_nesting'); }

export function PyTasklet_SetIgnoreNesting(task: unknown, flag: unknown): number {
  return guard(() => {
    return TP.set_ignore_nesting.call(T(task), flag) ? 1 : 0;
  }, -1);
}

export function PyTasklet_GetBlockTrap(task: unknown): number { return tflag(task, 'block_trap'); }

/** void: task.block_trap = bool(value) */
export function PyTasklet_SetBlockTrap(task: unknown, value: unknown): void {
  return guard(() => {
    setter(TP, 'block_trap').call(T(task), value);
  }, undefined);
}

/**
 * task.frame: the innermost frame, or NULL without an error for none. The Python-named layer has
 * no tasklet.frame yet: until it has, this sets RuntimeError("PyTasklet_GetFrame is not
 * supported yet") and returns NULL.
 */
export function PyTasklet_GetFrame(task: unknown): any {
  return guard(() => {
    const t = T(task);
    const g = getter(TP, 'frame');
    if (g === undefined) notSupported('PyTasklet_GetFrame');
    const f = g.call(t);
    return f === undefined || f === null ? NULL : f;
  }, NULL);
}

export function PyTasklet_IsMain(task: unknown): number { return tflag(task, 'is_main'); }
export function PyTasklet_IsCurrent(task: unknown): number { return tflag(task, 'is_current'); }

/** task.recursion_depth (always 0: no Python frames). */
export function PyTasklet_GetRecursionDepth(task: unknown): number { return tnum(task, 'recursion_depth'); }

export function PyTasklet_GetNestingLevel(task: unknown): number { return tnum(task, 'nesting_level'); }
export function PyTasklet_Alive(task: unknown): number { return tflag(task, 'alive'); }
export function PyTasklet_Paused(task: unknown): number { return tflag(task, 'paused'); }
export function PyTasklet_Scheduled(task: unknown): number { return tflag(task, 'scheduled'); }
export function PyTasklet_Restorable(task: unknown): number { return tflag(task, 'restorable'); }

/** The tasklet's deferred-interrupt flag (0/1), as C-API.md 3 recommends (task.pending_irq). */
export function PyTasklet_GetPendingIrq(task: unknown): number { return tflag(task, 'pending_irq'); }

// ---- 4. channel functions ----------------------------------------------------------------------

/** type() without running the subclass constructor; type NULL (or omitted): PyChannel_Type. */
export function PyChannel_New(type: unknown): any {
  return guard(() => {
    const cls: any = type === NULL || type === undefined ? S.channel : type;
    if (typeof cls !== 'function' || !(cls === S.channel || cls.prototype instanceof S.channel)) {
      throw new TypeError('channel_new: type must be subtype of channel');
    }
    // the base constructor only, with the subclass's prototype (C: tp_alloc, no __init__)
    return Reflect.construct(S.channel, [], cls);
  }, NULL);
}

function sendNr(self: unknown, arg: unknown, method: string): number {
  return guard(() => {
    const ch = C(self);
    if (arg === NULL) badInternalCall();
    return CP[method].call(ch, arg) === UNWIND ? 1 : 0;
  }, -1);
}

export function PyChannel_Send(self: unknown, arg: unknown): number { return sendNr(self, arg, 'send'); }
/** 1: switched, the caller (a generator tasklet) must yield Py_UnwindToken; 0; -1. */
export function PyChannel_Send_nr(self: unknown, arg: unknown): number { return sendNr(self, arg, 'send_nr'); }

function recv(self: unknown, method: string): unknown {
  return guard(() => {
    return CP[method].call(C(self));
  }, NULL);
}

export function PyChannel_Receive(self: unknown): any { return recv(self, 'receive'); }
/** The value, Py_UnwindToken (yield it), or NULL. */
export function PyChannel_Receive_nr(self: unknown): any { return recv(self, 'receive_nr'); }

/** self.send_exception(klass, *args): value an array (tuple) or one value; not NULL. */
export function PyChannel_SendException(self: unknown, klass: unknown, value: unknown): number {
  return guard(() => {
    const ch = C(self);
    CP.send_exception.call(ch, klass, ...ctorArgs(value));
    return 0;
  }, -1);
}

/** self.send_throw(exc, val, tb); val and tb may be NULL. */
export function PyChannel_SendThrow(self: unknown, exc: unknown, val: unknown, tb: unknown): number {
  return guard(() => {
    const ch = C(self);
    if (exc === NULL) badInternalCall();
    CP.send_throw.call(ch, exc, opt(val), opt(tb));
    return 0;
  }, -1);
}

/** The first waiting tasklet, or Py_None (never NULL for a channel). */
export function PyChannel_GetQueue(self: unknown): any {
  return guard(() => {
    return cget(C(self), 'queue');
  }, NULL);
}

export function PyChannel_Close(self: unknown): void {
  return guard(() => {
    CP.close.call(C(self));
  }, undefined);
}

export function PyChannel_Open(self: unknown): void {
  return guard(() => {
    CP.open.call(C(self));
  }, undefined);
}

function cnum(self: unknown, name: string): number {
  return guard(() => {
    return Number(cget(C(self), name));
  }, -1);
}

export function PyChannel_GetClosing(self: unknown): number { return cnum(self, 'closing'); }
export function PyChannel_GetClosed(self: unknown): number { return cnum(self, 'closed'); }
export function PyChannel_GetPreference(self: unknown): number { return cnum(self, 'preference'); }
export function PyChannel_GetScheduleAll(self: unknown): number { return cnum(self, 'schedule_all'); }
export function PyChannel_GetBalance(self: unknown): number { return cnum(self, 'balance'); }

/** void: self.preference = val (clamped to its sign) */
export function PyChannel_SetPreference(self: unknown, val: unknown): void {
  return guard(() => {
    setter(CP, 'preference').call(C(self), val);
  }, undefined);
}

/** void: self.schedule_all = bool(val) */
export function PyChannel_SetScheduleAll(self: unknown, val: unknown): void {
  return guard(() => {
    setter(CP, 'schedule_all').call(C(self), val);
  }, undefined);
}

// ---- 5. scheduler functions --------------------------------------------------------------------

function sched(retval: unknown, remove: unknown, nr: boolean): unknown {
  return guard(() => {
    if (retval === NULL) badInternalCall();
    const r = cint(remove, 'remove') !== 0;
    const f = r ? (nr ? S.schedule_remove_nr : S.schedule_remove) : (nr ? S.schedule_nr : S.schedule);
    return f(retval);
  }, NULL);
}

/** schedule(retval) (remove 0) or schedule_remove(retval); retval Py_None for none. */
export function PyStackless_Schedule(retval: unknown, remove: unknown): any { return sched(retval, remove, false); }
/** As PyStackless_Schedule, or Py_UnwindToken (yield it). */
export function PyStackless_Schedule_nr(retval: unknown, remove: unknown): any { return sched(retval, remove, true); }

export function PyStackless_GetRunCount(): number {
  return guard(() => {
    return S.getruncount();
  }, -1);
}

/** The current tasklet (JS code always runs inside: never NULL). */
export function PyStackless_GetCurrent(): any {
  return guard(() => {
    return S.getcurrent();
  }, NULL);
}

/** The thread id for the main tasklet, the tasklet's id for the others. */
export function PyStackless_GetCurrentId(): number {
  return guard(() => {
    const f = layerFn('getcurrentid');
    if (f !== undefined) return Number(f());
    const cur = S.getcurrent();
    const main = S.getmain();
    return cur === main ? main.thread_id : cur.id;
  }, -1);
}

function watchdog(timeout: unknown, flags: unknown): unknown {
  const to = cint(timeout, 'timeout');
  const fl = cint(flags, 'flags');
  if (fl < 0 || fl > 255) throw new ValueError('flags must be in [0..255]');
  return S.run(to, (fl & Py_WATCHDOG_THREADBLOCK) !== 0, (fl & PY_WATCHDOG_SOFT) !== 0,
    (fl & PY_WATCHDOG_IGNORE_NESTING) !== 0, (fl & PY_WATCHDOG_TOTALTIMEOUT) !== 0);
}

/** run(timeout): Py_None, or the interrupted tasklet (removed from the run queue); NULL on error. */
export function PyStackless_RunWatchdog(timeout: unknown): any {
  return guard(() => {
    return watchdog(timeout, 0);
  }, NULL);
}

/** run(timeout, threadblock=flags&1, soft=flags&2, ignore_nesting=flags&4, totaltimeout=flags&8) */
export function PyStackless_RunWatchdogEx(timeout: unknown, flags: unknown): any {
  return guard(() => {
    return watchdog(timeout, flags);
  }, NULL);
}

// ---- 6. debugging and monitoring ---------------------------------------------------------------

function setCallback(cname: string, pyname: string, msg: string, callable: unknown): number {
  return guard(() => {
    const f = layerFn(pyname);
    if (f === undefined) notSupported(cname);
    const cb = opt(callable);
    if (cb !== undefined && typeof cb !== 'function') throw new TypeError(msg);
    f(cb);
    return 0;
  }, -1);
}

/** set_channel_callback(callable); NULL / Py_None removes it. */
export function PyStackless_SetChannelCallback(callable: unknown): number {
  return setCallback('PyStackless_SetChannelCallback', 'set_channel_callback', 'channel callback must be callable', callable);
}

/** set_schedule_callback(callable); NULL / Py_None removes it (and any fast callback). */
export function PyStackless_SetScheduleCallback(callable: unknown): number {
  return setCallback('PyStackless_SetScheduleCallback', 'set_schedule_callback', 'schedule callback must be callable', callable);
}

/**
 * void: installs func(from, to) -> int in the schedule callback's slot (the last setter wins);
 * from / to are NULL where the Python callback gets None. A non-zero result is a failure: the
 * error it set (else RuntimeError("schedule callback failed")) is reported the way the layer
 * reports a failing schedule callback, and cleared. A pending error survives the call.
 * NULL removes it.
 */
export function PyStackless_SetScheduleFastcallback(func: unknown): void {
  try {
    const set = layerFn('set_schedule_callback');
    if (set === undefined) notSupported('PyStackless_SetScheduleFastcallback');
    const f = opt(func);
    if (f === undefined) {
      set(undefined);
      return;
    }
    if (typeof f !== 'function') throw new TypeError('schedule callback must be callable');
    const hook = (prev: unknown, next: unknown): void => {
      const saved = errSet, savedValue = errValue;
      errSet = false;
      errValue = undefined;
      let failure: unknown, failed = false;
      try {
        const r = f(prev === undefined || prev === null ? NULL : prev, next === undefined || next === null ? NULL : next);
        if (r !== 0 && r !== undefined) {
          failed = true;
          failure = errSet ? errValue : new RuntimeError('schedule callback failed');
        }
      } catch (e) {
        failed = true;
        failure = e;
      }
      errSet = saved;
      errValue = savedValue;
      if (failed) throw failure;
    };
    set(hook);
  } catch (e) {
    fail(e);
  }
}

/** Optional (C-API.md 3): switch_trap(change); returns the previous level. */
export function PyStackless_AdjustSwitchTrap(change: unknown): number {
  return guard(() => {
    const f = layerFn('switch_trap');
    if (f === undefined) notSupported('PyStackless_AdjustSwitchTrap');
    return Number(f(cint(change, 'change')));
  }, -1);
}

// ---- 9. "outside" / main-function interface ----------------------------------------------------
// JS code always runs inside: the thread's main tasklet exists from the first use of the module
// (NODE.md 3.5), so these raise the reference's RuntimeError after their argument checks.

function callMain(): never {
  throw new RuntimeError('Call_Main cannot run within a main tasklet');
}

/** func(*args, **kwds) as the thread's main function: always RuntimeError from JS. */
export function PyStackless_Call_Main(func: unknown, args: unknown, kwds: unknown): any {
  try {
    callMain();
  } catch (e) {
    fail(e);
  }
  return NULL;
}

/** o[name](...) (or o(...) when name is NULL) as the main function: always RuntimeError from JS. */
export function PyStackless_CallMethod_Main(o: unknown, name: unknown, format: unknown, ...args: unknown[]): any {
  try {
    if (o === NULL || o === undefined || o === null) throw new SystemError('PyStackless_CallMethod_Main: object is NULL');
    let func: unknown = o;
    if (name !== NULL && name !== undefined && name !== null) {
      const key = String(name);
      if (!(key in Object(o))) throw new AttributeError(key);
      func = (o as any)[key];
    }
    if (typeof func !== 'function') throw new TypeError('call of non-callable attribute');
    callMain();
  } catch (e) {
    fail(e);
  }
  return NULL;
}

/** meth (a function, or a PyMethodDef-like { ml_meth }) bound to self as the main function. */
export function PyStackless_CallCMethod_Main(meth: unknown, self: unknown, format: unknown, ...args: unknown[]): any {
  try {
    if (meth === NULL || meth === undefined || meth === null) {
      throw new SystemError('PyStackless_CallCMethod_Main: method is NULL');
    }
    if (typeof meth !== 'function' && typeof (meth as any).ml_meth !== 'function') {
      throw new TypeError('PyStackless_CallCMethod_Main: method must be a function or have an ml_meth function');
    }
    callMain();
  } catch (e) {
    fail(e);
  }
  return NULL;
}
