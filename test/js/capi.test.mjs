// The C-API mirror (NODE.md 3.1): the functions of C-API.md 3-6 and 9 under their C names, the
// C return conventions (0/-1, 1/0/-1, value/NULL), the error indicator, _nr in generator tasklets.
// Run twice by `npm run test:js`: plainly, and under node --expose-gc with gc() between steps.
import { describe, it, expect, afterEach } from 'vitest';
import { createRequire } from 'module';

const require = createRequire(import.meta.url);
const S = require('../../dist/index.js');

const gc = () => {
  if (process.env.STACKLESS_GC) {
    if (typeof global.gc !== 'function') throw new Error('STACKLESS_GC=1 needs node --expose-gc');
    global.gc();
  }
};

// Every function of C-API.md 3, 4, 5, 6 and 9, and the error-indicator functions of NODE.md 3.1.
const TASKLET_FUNCS = [
  'PyTasklet_New', 'PyTasklet_Setup', 'PyTasklet_BindEx', 'PyTasklet_BindThread', 'PyTasklet_Run',
  'PyTasklet_Run_nr', 'PyTasklet_Switch', 'PyTasklet_Switch_nr', 'PyTasklet_Remove', 'PyTasklet_Insert',
  'PyTasklet_RaiseException', 'PyTasklet_Throw', 'PyTasklet_Kill', 'PyTasklet_KillEx',
  'PyTasklet_GetAtomic', 'PyTasklet_SetAtomic', 'PyTasklet_GetIgnoreNesting', 'PyTasklet_SetIgnoreNesting',
  'PyTasklet_GetBlockTrap', 'PyTasklet_SetBlockTrap', 'PyTasklet_GetFrame', 'PyTasklet_IsMain',
  'PyTasklet_IsCurrent', 'PyTasklet_GetRecursionDepth', 'PyTasklet_GetNestingLevel', 'PyTasklet_Alive',
  'PyTasklet_Paused', 'PyTasklet_Scheduled', 'PyTasklet_Restorable', 'PyTasklet_GetPendingIrq',
];
const CHANNEL_FUNCS = [
  'PyChannel_New', 'PyChannel_Send', 'PyChannel_Send_nr', 'PyChannel_Receive', 'PyChannel_Receive_nr',
  'PyChannel_SendException', 'PyChannel_SendThrow', 'PyChannel_GetQueue', 'PyChannel_Close',
  'PyChannel_Open', 'PyChannel_GetClosing', 'PyChannel_GetClosed', 'PyChannel_GetPreference',
  'PyChannel_SetPreference', 'PyChannel_GetScheduleAll', 'PyChannel_SetScheduleAll', 'PyChannel_GetBalance',
];
const SCHEDULER_FUNCS = [
  'PyStackless_Schedule', 'PyStackless_Schedule_nr', 'PyStackless_GetRunCount', 'PyStackless_GetCurrent',
  'PyStackless_GetCurrentId', 'PyStackless_RunWatchdog', 'PyStackless_RunWatchdogEx',
];
const DEBUG_FUNCS = ['PyStackless_SetChannelCallback', 'PyStackless_SetScheduleCallback', 'PyStackless_SetScheduleFastcallback'];
const MAIN_FUNCS = ['PyStackless_Call_Main', 'PyStackless_CallMethod_Main', 'PyStackless_CallCMethod_Main'];
const OPTIONAL_FUNCS = ['PyTasklet_Bind', 'PyStackless_AdjustSwitchTrap', 'STACKLESS_UNWINDING'];
const ERR_FUNCS = ['PyErr_Occurred', 'PyErr_Fetch', 'PyErr_Clear', 'PyErr_SetString'];
const ALL = [...TASKLET_FUNCS, ...CHANNEL_FUNCS, ...SCHEDULER_FUNCS, ...DEBUG_FUNCS, ...MAIN_FUNCS,
  ...OPTIONAL_FUNCS, ...ERR_FUNCS];

// C: the module, with every call of a mirror function recorded (checked by the last test).
const called = new Set();
const C = new Proxy(S, {
  get(target, p) {
    const v = Reflect.get(target, p);
    if (typeof v === 'function' && ALL.includes(p)) {
      return (...a) => {
        called.add(p);
        return v(...a);
      };
    }
    return v;
  },
});
const { NULL, Py_None, Py_UnwindToken } = S;

/** The pending error, fetched: [class, message]. */
function err() {
  const cls = C.PyErr_Occurred();
  const e = C.PyErr_Fetch();
  expect(C.PyErr_Occurred()).toBe(NULL);
  return [cls, e === NULL ? NULL : e.message];
}

/** A generator tasklet made runnable through the mirror. */
function spawn(gen, ...args) {
  const t = C.PyTasklet_New(NULL, gen);
  expect(C.PyTasklet_Setup(t, args, NULL)).toBe(0);
  return t;
}

function run() {
  expect(C.PyStackless_RunWatchdog(0)).toBe(Py_None);
}

afterEach(() => {
  gc();
  // every test leaves the scheduler empty (only main is runnable) and no error pending
  const pending = S.PyErr_Fetch();
  expect(pending).toBe(NULL);
  expect(S.getruncount()).toBe(1);
  expect(S.getcurrent()).toBe(S.getmain());
});

describe('exports', () => {
  it('every function of C-API.md 3-6 and 9 is exported under its C name', () => {
    for (const name of ALL) expect(typeof S[name], name).toBe('function');
    expect(ALL.length).toBe(30 + 17 + 7 + 3 + 3 + 3 + 4);
  });

  it('sentinels: NULL and Py_UnwindToken are frozen singletons, Py_None is undefined', () => {
    expect(typeof NULL).toBe('object');
    expect(Object.isFrozen(NULL)).toBe(true);
    expect(String(NULL)).toBe('NULL');
    expect(Object.isFrozen(Py_UnwindToken)).toBe(true);
    expect(NULL).not.toBe(Py_UnwindToken);
    expect('Py_None' in S).toBe(true);
    expect(Py_None).toBe(undefined);
    expect(C.STACKLESS_UNWINDING(Py_UnwindToken)).toBe(1);
    expect(C.STACKLESS_UNWINDING(NULL)).toBe(0);
    expect(C.STACKLESS_UNWINDING(undefined)).toBe(0);
  });

  it('types and constants', () => {
    expect(S.PyTasklet_Type).toBe(S.tasklet);
    expect(S.PyChannel_Type).toBe(S.channel);
    expect(S.PyExc_TaskletExit).toBe(S.TaskletExit);
    expect(S.Py_WATCHDOG_THREADBLOCK).toBe(1);
    expect(S.PY_WATCHDOG_SOFT).toBe(2);
    expect(S.PY_WATCHDOG_IGNORE_NESTING).toBe(4);
    expect(S.PY_WATCHDOG_TOTALTIMEOUT).toBe(8);
    expect(S.PY_WATCHDOG_TIMEOUT).toBe(S.PY_WATCHDOG_TOTALTIMEOUT);
  });
});

describe('the error indicator', () => {
  it('PyErr_SetString / PyErr_Occurred / PyErr_Fetch / PyErr_Clear', () => {
    expect(C.PyErr_Occurred()).toBe(NULL);
    expect(C.PyErr_Fetch()).toBe(NULL);
    expect(C.PyErr_SetString(S.ValueError, 'bad value')).toBe(undefined);
    expect(C.PyErr_Occurred()).toBe(S.ValueError);
    const e = C.PyErr_Fetch();
    expect(e).toBeInstanceOf(S.ValueError);
    expect(e.message).toBe('bad value');
    expect(C.PyErr_Occurred()).toBe(NULL);
    C.PyErr_SetString(TypeError, 'js type error');
    expect(C.PyErr_Occurred()).toBe(TypeError);
    expect(C.PyErr_Clear()).toBe(undefined);
    expect(C.PyErr_Occurred()).toBe(NULL);
    // a subclass is reported as itself
    class MyError extends S.RuntimeError {}
    C.PyErr_SetString(MyError, 'mine');
    expect(err()).toEqual([MyError, 'mine']);
    // not an exception class: TypeError instead
    C.PyErr_SetString(42, 'x');
    expect(C.PyErr_Occurred()).toBe(TypeError);
    C.PyErr_Clear();
  });

  it('a failure replaces the pending error, a success leaves it alone', () => {
    C.PyErr_SetString(S.ValueError, 'first');
    expect(C.PyStackless_GetRunCount()).toBe(1);
    expect(C.PyChannel_New(NULL)).toBeInstanceOf(S.channel);
    expect(C.PyErr_Occurred()).toBe(S.ValueError);
    expect(C.PyTasklet_Insert(new S.tasklet())).toBe(-1);
    expect(err()).toEqual([S.RuntimeError, 'You cannot run an unbound(dead) tasklet']);
  });

  it('any thrown JS value becomes the pending exception; its class is its constructor', () => {
    const thing = { not: 'an error' };
    spawn(function* () { throw thing; });
    expect(C.PyStackless_RunWatchdog(0)).toBe(NULL);
    expect(C.PyErr_Occurred()).toBe(Object);
    expect(C.PyErr_Fetch()).toBe(thing);
    spawn(function* () { throw new S.ValueError('from a tasklet'); });
    expect(C.PyStackless_RunWatchdog(0)).toBe(NULL);
    expect(err()).toEqual([S.ValueError, 'from a tasklet']);
  });

  it('nothing throws: bad argument types set TypeError and return the failure value', () => {
    const failure = (name) => {
      if (['PyTasklet_SetBlockTrap', 'PyChannel_Close', 'PyChannel_Open', 'PyChannel_SetPreference',
        'PyChannel_SetScheduleAll'].includes(name)) return undefined;   // void
      if (['PyTasklet_GetFrame', 'PyChannel_Receive', 'PyChannel_Receive_nr', 'PyChannel_GetQueue'].includes(name)) return NULL;
      return -1;
    };
    const skip = ['PyTasklet_New', 'PyChannel_New'];
    for (const [names, msg, nullMsg] of [
      [TASKLET_FUNCS, 'argument must be a tasklet', 'tasklet argument is NULL'],
      [CHANNEL_FUNCS, 'argument must be a channel', 'channel argument is NULL'],
    ]) {
      for (const name of names) {
        if (skip.includes(name)) continue;
        for (const [bad, m] of [[42, msg], [{}, msg], [undefined, msg], [NULL, nullMsg]]) {
          let r;
          expect(() => { r = C[name](bad, 1, 1, 1, 1); }, name).not.toThrow();
          expect(r, name).toBe(failure(name));
          expect(err(), name).toEqual([TypeError, m]);
        }
      }
    }
    // a channel is not a tasklet and vice versa
    expect(C.PyTasklet_Run(new S.channel())).toBe(-1);
    expect(err()).toEqual([TypeError, 'argument must be a tasklet']);
    expect(C.PyChannel_Send(S.getmain(), 1)).toBe(-1);
    expect(err()).toEqual([TypeError, 'argument must be a channel']);
    // C int arguments
    expect(C.PyTasklet_KillEx(new S.tasklet(), 'yes')).toBe(-1);
    expect(C.PyErr_Occurred()).toBe(TypeError);
    C.PyErr_Clear();
    expect(C.PyStackless_RunWatchdog('soon')).toBe(NULL);
    expect(C.PyErr_Occurred()).toBe(TypeError);
    C.PyErr_Clear();
    expect(C.PyStackless_Schedule(undefined, 'no')).toBe(NULL);
    expect(C.PyErr_Occurred()).toBe(TypeError);
    C.PyErr_Clear();
  });
});

describe('tasklet functions', () => {
  it('PyTasklet_New: NULL type, a subclass (its constructor runs), a wrong type', () => {
    const f = function* () {};
    const t = C.PyTasklet_New(NULL, f);
    expect(t).toBeInstanceOf(S.tasklet);
    expect(t.tempval).toBe(f);   // bound
    expect(C.PyTasklet_Alive(t)).toBe(0);
    const u = C.PyTasklet_New(NULL, NULL);
    expect(u.tempval).toBe(Py_None);   // unbound
    expect(C.PyTasklet_New(NULL, Py_None).tempval).toBe(Py_None);
    class MyTasklet extends S.tasklet {
      constructor(fn) {
        super(fn);
        this.made = true;
      }
    }
    const m = C.PyTasklet_New(MyTasklet, f);
    expect(m).toBeInstanceOf(MyTasklet);
    expect(m.made).toBe(true);
    expect(m.tempval).toBe(f);
    for (const bad of [S.channel, Object, function () {}, 5, null]) {
      expect(C.PyTasklet_New(bad, f)).toBe(NULL);
      expect(err()).toEqual([TypeError, '']);
    }
    expect(C.PyTasklet_New(NULL, 5)).toBe(NULL);
    expect(err()).toEqual([TypeError, 'tasklet function must be a callable or None']);
  });

  it('PyTasklet_Setup: arguments, kwds as the last argument, the subclass setup, errors', () => {
    const got = [];
    const t = C.PyTasklet_New(NULL, function* (...a) { got.push(a); });
    expect(C.PyTasklet_Setup(t, [1, 2], NULL)).toBe(0);
    expect(C.PyTasklet_Scheduled(t)).toBe(1);
    expect(C.PyTasklet_Setup(t, [], NULL)).toBe(-1);
    expect(err()).toEqual([S.RuntimeError, 'tasklet is alive']);
    const u = C.PyTasklet_New(NULL, function* (...a) { got.push(a); });
    expect(C.PyTasklet_Setup(u, [3], { k: 4 })).toBe(0);
    const v = C.PyTasklet_New(NULL, function* (...a) { got.push(a); });
    expect(C.PyTasklet_Setup(v, [5], Py_None)).toBe(0);
    run();
    expect(got).toEqual([[1, 2], [3, { k: 4 }], [5]]);

    expect(C.PyTasklet_Setup(C.PyTasklet_New(NULL, NULL), [], NULL)).toBe(-1);
    expect(err()).toEqual([S.RuntimeError, 'the tasklet was not bound to a function']);
    const w = C.PyTasklet_New(NULL, function* () {});
    expect(C.PyTasklet_Setup(w, 5, NULL)).toBe(-1);
    expect(err()).toEqual([TypeError, 'tasklet args must be a tuple']);
    expect(C.PyTasklet_Setup(w, NULL, NULL)).toBe(-1);
    expect(err()).toEqual([TypeError, 'tasklet args must be a tuple']);
    expect(C.PyTasklet_Setup(w, [], 'kw')).toBe(-1);
    expect(err()).toEqual([TypeError, 'tasklet kwargs must be a dictionary or None']);
    expect(C.PyTasklet_Alive(w)).toBe(0);

    class Counting extends S.tasklet {
      setup(...a) {
        got.push('subclass setup');
        return super.setup(...a);
      }
    }
    const c = C.PyTasklet_New(Counting, function* () { got.push('ran'); });
    expect(C.PyTasklet_Setup(c, [], NULL)).toBe(0);
    run();
    expect(got.slice(3)).toEqual(['subclass setup', 'ran']);
  });

  it('PyTasklet_BindEx and PyTasklet_Bind', () => {
    const got = [];
    const t = C.PyTasklet_New(NULL, NULL);
    const f = function* (a, b) { got.push(a + b); };
    expect(C.PyTasklet_BindEx(t, f, NULL, NULL)).toBe(0);   // bound
    expect([C.PyTasklet_Alive(t), C.PyTasklet_Paused(t)]).toEqual([0, 0]);
    expect(C.PyTasklet_BindEx(t, Py_None, [2, 3], Py_None)).toBe(0);   // alive and paused
    expect([C.PyTasklet_Alive(t), C.PyTasklet_Paused(t), C.PyTasklet_Scheduled(t)]).toEqual([1, 1, 0]);
    expect(C.PyTasklet_Insert(t)).toBe(0);
    expect(C.PyTasklet_BindEx(t, f, NULL, NULL)).toBe(-1);
    expect(err()).toEqual([S.RuntimeError, 'tasklet is scheduled']);
    run();
    expect(got).toEqual([5]);
    expect(C.PyTasklet_BindEx(t, NULL, NULL, NULL)).toBe(0);   // unbound again
    expect(t.tempval).toBe(Py_None);

    expect(C.PyTasklet_BindEx(t, 5, NULL, NULL)).toBe(-1);
    expect(err()).toEqual([TypeError, 'tasklet function must be a callable or None']);
    expect(C.PyTasklet_BindEx(t, f, 5, NULL)).toBe(-1);
    expect(err()).toEqual([TypeError, 'tasklet args must be a tuple or None']);
    expect(C.PyTasklet_BindEx(t, f, [], 5)).toBe(-1);
    expect(err()).toEqual([TypeError, 'tasklet kwargs must be a dictionary or None']);
    expect(C.PyTasklet_BindEx(S.getmain(), f, NULL, NULL)).toBe(-1);
    expect(err()).toEqual([S.RuntimeError, "can't (re)bind the current tasklet"]);

    expect(C.PyTasklet_Bind(t, f)).toBe(t);
    expect(t.tempval).toBe(f);
    expect(C.PyTasklet_Bind(t, 7)).toBe(NULL);
    expect(err()).toEqual([TypeError, 'tasklet function must be a callable or None']);
  });

  it('PyTasklet_BindThread: the calling thread is a no-op', () => {
    const t = C.PyTasklet_New(NULL, function* () {});
    expect(C.PyTasklet_BindThread(t, -1)).toBe(0);
    expect(C.PyTasklet_BindThread(t, S.getmain().thread_id)).toBe(0);
    expect(C.PyTasklet_BindThread(S.getmain(), -1)).toBe(0);
    expect(C.PyTasklet_Setup(t, [], NULL)).toBe(0);
    expect(C.PyTasklet_BindThread(t, -1)).toBe(0);
    // another thread: a runnable tasklet cannot be re-bound
    expect(C.PyTasklet_BindThread(t, 987654)).toBe(-1);
    expect(err()).toEqual([S.RuntimeError, "can't (re)bind a runnable tasklet"]);
    run();
    expect(C.PyTasklet_BindThread(t, 'main')).toBe(-1);
    expect(C.PyErr_Occurred()).toBe(TypeError);
    C.PyErr_Clear();
  });

  it('PyTasklet_Insert and PyTasklet_Remove', () => {
    const ch = new S.channel();
    const t = spawn(function* () { yield C.PyChannel_Receive_nr(ch); });
    expect(C.PyTasklet_Remove(t)).toBe(0);
    expect([C.PyTasklet_Alive(t), C.PyTasklet_Paused(t), C.PyTasklet_Scheduled(t)]).toEqual([1, 1, 0]);
    expect(C.PyStackless_GetRunCount()).toBe(1);
    expect(C.PyTasklet_Remove(t)).toBe(0);   // not in the run queue: no-op
    expect(C.PyTasklet_Insert(t)).toBe(0);
    expect(C.PyTasklet_Insert(t)).toBe(0);   // already scheduled: no-op
    expect(C.PyStackless_GetRunCount()).toBe(2);
    run();
    expect(C.PyTasklet_Insert(t)).toBe(-1);
    expect(err()).toEqual([S.RuntimeError, 'You cannot run a blocked tasklet']);
    expect(C.PyTasklet_Remove(t)).toBe(-1);
    expect(err()).toEqual([S.RuntimeError, 'You cannot remove a blocked tasklet.']);
    expect(C.PyTasklet_Remove(S.getmain())).toBe(-1);
    expect(err()).toEqual([S.RuntimeError, 'The current tasklet cannot be removed.']);
    expect(C.PyTasklet_Insert(new S.tasklet(function* () {}))).toBe(-1);
    expect(err()).toEqual([S.RuntimeError, 'You cannot run an unbound(dead) tasklet']);
    expect(C.PyChannel_Send(ch, 1)).toBe(0);
    expect(C.PyTasklet_Alive(t)).toBe(0);
  });

  it('PyTasklet_Run and PyTasklet_Switch from main', () => {
    const log = [];
    const a = spawn(function* () { log.push('a'); });
    const b = spawn(function* () { log.push('b'); });
    expect(C.PyTasklet_Run(b)).toBe(0);   // b runs now; a only after the round wraps around
    expect(log).toEqual(['b']);
    run();
    expect(log).toEqual(['b', 'a']);
    const c = spawn(function* () { log.push('c'); });
    expect(C.PyTasklet_Remove(c)).toBe(0);
    expect(C.PyTasklet_Switch(c)).toBe(0);
    expect(log).toEqual(['b', 'a', 'c']);
    expect(C.PyTasklet_Run(a)).toBe(-1);
    expect(err()).toEqual([S.RuntimeError, 'You cannot run an unbound(dead) tasklet']);
    expect(C.PyTasklet_Switch(c)).toBe(-1);
    expect(err()).toEqual([S.RuntimeError, 'You cannot run an unbound(dead) tasklet']);
    expect(C.PyTasklet_Run(S.getmain())).toBe(0);   // the caller itself: no switch
    // an exception of the tasklet run reaches the caller: -1
    const d = spawn(function* () { throw new S.ValueError('in d'); });
    expect(C.PyTasklet_Run(d)).toBe(-1);
    expect(err()).toEqual([S.ValueError, 'in d']);
    // _nr called by main behaves as the plain function
    const e = spawn(function* () { log.push('e'); });
    expect(C.PyTasklet_Run_nr(e)).toBe(0);
    const f = spawn(function* () { log.push('f'); });
    expect(C.PyTasklet_Switch_nr(f)).toBe(0);
    expect(log).toEqual(['b', 'a', 'c', 'e', 'f']);
    expect(C.PyTasklet_Run_nr(a)).toBe(-1);
    expect(err()).toEqual([S.RuntimeError, 'You cannot run an unbound(dead) tasklet']);
  });

  it('PyTasklet_RaiseException', () => {
    const ch = new S.channel();
    const got = [];
    const catcher = () => spawn(function* () {
      try { yield C.PyChannel_Receive_nr(ch); } catch (e) { got.push(e); }
    });
    let t = catcher();
    run();
    expect(C.PyTasklet_RaiseException(t, S.ValueError, ['bad', 2])).toBe(0);
    expect(got[0]).toBeInstanceOf(S.ValueError);
    expect(got[0].args).toEqual(['bad', 2]);
    t = catcher();
    run();
    expect(C.PyTasklet_RaiseException(t, S.RuntimeError, 'single')).toBe(0);   // wrapped in a 1-tuple
    expect(got[1].args).toEqual(['single']);
    expect(C.PyTasklet_RaiseException(t, S.ValueError, [])).toBe(-1);
    expect(err()).toEqual([S.RuntimeError, 'You cannot throw to a dead tasklet']);
    expect(C.PyTasklet_RaiseException(t, S.TaskletExit, [])).toBe(0);   // TaskletExit to a dead tasklet: no-op
    expect(C.PyTasklet_RaiseException(t, 42, [])).toBe(-1);
    expect(err()).toEqual([TypeError, 'tasklet.raise_exception needs Exception or string subclass as first parameter']);
    expect(C.PyTasklet_RaiseException(t, S.ValueError, NULL)).toBe(-1);
    expect(err()).toEqual([S.SystemError, 'bad argument to internal function']);
    // the current tasklet: raised in the caller at once
    expect(C.PyTasklet_RaiseException(S.getmain(), S.ValueError, ['self'])).toBe(-1);
    expect(err()).toEqual([S.ValueError, 'self']);
  });

  it('PyTasklet_Throw, pending or not, and its argument checks', () => {
    const ch = new S.channel();
    const log = [];
    const t = spawn(function* () {
      for (;;) {
        try {
          yield C.PyChannel_Receive_nr(ch);
        } catch (e) {
          if (e instanceof S.TaskletExit) throw e;
          log.push(`${e.constructor.name}: ${e.message}`);
        }
      }
    });
    run();
    expect(C.PyTasklet_Throw(t, 0, S.ValueError, 'now', NULL)).toBe(0);
    expect(log).toEqual(['ValueError: now']);   // the target ran at once
    expect(C.PyTasklet_Throw(t, 1, new S.RuntimeError('later'), NULL, NULL)).toBe(0);
    expect(log).toEqual(['ValueError: now']);   // pending: the caller continues
    expect([C.PyTasklet_Scheduled(t), C.PyChannel_GetBalance(ch)]).toEqual([1, 0]);
    run();
    expect(log).toEqual(['ValueError: now', 'RuntimeError: later']);
    expect(C.PyTasklet_Throw(t, 0, S.ValueError, NULL, {})).toBe(-1);
    expect(err()).toEqual([TypeError, 'third argument must be a traceback object']);
    expect(C.PyTasklet_Throw(t, 0, new S.ValueError(), 1, NULL)).toBe(-1);
    expect(err()).toEqual([TypeError, 'instance exception may not have a separate value']);
    expect(C.PyTasklet_Throw(t, 0, 5, NULL, NULL)).toBe(-1);
    expect(err()).toEqual([TypeError, 'exceptions must be classes, or instances, not number']);
    expect(C.PyTasklet_Throw(t, 0, NULL, NULL, NULL)).toBe(-1);
    expect(err()).toEqual([S.SystemError, 'bad argument to internal function']);
    expect(C.PyTasklet_Kill(t)).toBe(0);
    expect(C.PyTasklet_Throw(t, 0, S.ValueError, NULL, NULL)).toBe(-1);
    expect(err()).toEqual([S.RuntimeError, 'You cannot throw to a dead tasklet']);
  });

  it('PyTasklet_Kill and PyTasklet_KillEx', () => {
    const ch = new S.channel();
    const log = [];
    const blocked = () => spawn(function* () {
      try { yield C.PyChannel_Receive_nr(ch); } finally { log.push('finally'); }
    });
    let t = blocked();
    run();
    expect(C.PyTasklet_Kill(t)).toBe(0);
    expect(log).toEqual(['finally']);
    expect([C.PyTasklet_Alive(t), C.PyChannel_GetBalance(ch)]).toEqual([0, 0]);
    expect(C.PyTasklet_Kill(t)).toBe(0);   // not alive: no-op
    t = blocked();
    run();
    expect(C.PyTasklet_KillEx(t, 1)).toBe(0);   // pending
    expect(log).toEqual(['finally']);
    expect([C.PyTasklet_Alive(t), C.PyTasklet_Scheduled(t), C.PyTasklet_Paused(t)]).toEqual([1, 1, 0]);
    run();
    expect(log).toEqual(['finally', 'finally']);
    expect(C.PyTasklet_Alive(t)).toBe(0);
    t = blocked();
    run();
    expect(C.PyTasklet_KillEx(t, 0)).toBe(0);
    expect(log.length).toBe(3);
    // killing the current tasklet: -1 with TaskletExit set
    expect(C.PyTasklet_Kill(S.getmain())).toBe(-1);
    expect(C.PyErr_Occurred()).toBe(S.TaskletExit);
    expect(C.PyErr_Fetch()).toBeInstanceOf(S.TaskletExit);
    const seen = [];
    spawn(function* () {
      seen.push(C.PyTasklet_Kill(C.PyStackless_GetCurrent()), C.PyErr_Occurred());
      throw C.PyErr_Fetch();   // "return NULL": the tasklet dies silently
    });
    run();
    expect(seen).toEqual([-1, S.TaskletExit]);
  });

  it('atomic, ignore_nesting and block_trap', () => {
    const t = new S.tasklet(function* () {});
    expect(C.PyTasklet_GetAtomic(t)).toBe(0);
    expect(C.PyTasklet_SetAtomic(t, 5)).toBe(0);
    expect(C.PyTasklet_GetAtomic(t)).toBe(1);
    expect(C.PyTasklet_SetAtomic(t, 0)).toBe(1);
    expect(C.PyTasklet_GetAtomic(t)).toBe(0);
    expect(C.PyTasklet_SetAtomic(t, 'x')).toBe(-1);
    expect(err()).toEqual([TypeError, 'set_atomic needs exactly one bool or integer']);

    expect(C.PyTasklet_GetIgnoreNesting(t)).toBe(0);
    expect(C.PyTasklet_SetIgnoreNesting(t, 1)).toBe(0);
    expect(C.PyTasklet_GetIgnoreNesting(t)).toBe(1);
    expect(C.PyTasklet_SetIgnoreNesting(t, false)).toBe(1);
    expect(C.PyTasklet_SetIgnoreNesting(t, [])).toBe(-1);
    expect(err()).toEqual([TypeError, 'set_ignore_nesting needs exactly one bool or integer']);

    expect(C.PyTasklet_GetBlockTrap(t)).toBe(0);
    expect(C.PyTasklet_SetBlockTrap(t, 1)).toBe(undefined);
    expect(C.PyTasklet_GetBlockTrap(t)).toBe(1);
    expect(C.PyTasklet_SetBlockTrap(t, 'x')).toBe(undefined);
    expect(err()).toEqual([TypeError, 'block_trap must be set to a bool or integer']);
    expect(C.PyTasklet_GetBlockTrap(t)).toBe(1);

    // the block trap at work: the _nr call fails at once, NULL and the error set
    const ch = new S.channel();
    const got = [];
    const u = C.PyTasklet_New(NULL, function* () {
      const r = C.PyChannel_Receive_nr(ch);
      got.push(r === NULL, ...err());
      got.push(C.PyChannel_Send_nr(ch, 1), ...err());
      yield 0;
    });
    C.PyTasklet_SetBlockTrap(u, true);
    expect(C.PyTasklet_Setup(u, [], NULL)).toBe(0);
    run();
    expect(got).toEqual([true, S.RuntimeError, 'this tasklet does not like to be blocked.',
      -1, S.RuntimeError, 'this tasklet does not like to be blocked.']);

    // atomic of the current tasklet
    expect(C.PyTasklet_SetAtomic(S.getmain(), 1)).toBe(0);
    expect(C.PyTasklet_GetAtomic(C.PyStackless_GetCurrent())).toBe(1);
    expect(C.PyTasklet_SetAtomic(S.getmain(), 0)).toBe(1);
  });

  it('state predicates through a lifecycle', () => {
    const ch = new S.channel();
    const state = (t) => ({
      alive: C.PyTasklet_Alive(t), paused: C.PyTasklet_Paused(t), scheduled: C.PyTasklet_Scheduled(t),
      main: C.PyTasklet_IsMain(t), current: C.PyTasklet_IsCurrent(t), nesting: C.PyTasklet_GetNestingLevel(t),
    });
    const inside = [];
    const t = C.PyTasklet_New(NULL, function* () {
      inside.push(state(C.PyStackless_GetCurrent()));
      yield C.PyChannel_Receive_nr(ch);
    });
    expect(state(t)).toEqual({ alive: 0, paused: 0, scheduled: 0, main: 0, current: 0, nesting: 0 });
    expect(C.PyTasklet_Restorable(t)).toBe(1);   // no execution state
    C.PyTasklet_Setup(t, [], NULL);
    expect(state(t)).toEqual({ alive: 1, paused: 0, scheduled: 1, main: 0, current: 0, nesting: 0 });
    C.PyTasklet_Remove(t);
    expect(state(t)).toEqual({ alive: 1, paused: 1, scheduled: 0, main: 0, current: 0, nesting: 0 });
    C.PyTasklet_Insert(t);
    run();
    expect(inside).toEqual([{ alive: 1, paused: 0, scheduled: 1, main: 0, current: 1, nesting: 0 }]);
    expect(state(t)).toEqual({ alive: 1, paused: 0, scheduled: 1, main: 0, current: 0, nesting: 0 });
    expect(C.PyChannel_GetQueue(ch)).toBe(t);
    C.PyChannel_Send(ch, 0);
    expect(state(t)).toEqual({ alive: 0, paused: 0, scheduled: 0, main: 0, current: 0, nesting: 0 });
    expect(C.PyTasklet_Restorable(t)).toBe(1);   // dead
    const m = state(S.getmain());
    expect([m.alive, m.main, m.current, m.scheduled, m.paused]).toEqual([1, 1, 1, 1, 0]);
  });

  it('frame (not supported: no Python frames), recursion depth (0) and pending interrupt', () => {
    const t = new S.tasklet(function* () {});
    expect(C.PyTasklet_GetFrame(t)).toBe(NULL);
    expect(err()).toEqual([S.RuntimeError, 'PyTasklet_GetFrame is not supported yet']);
    expect(C.PyTasklet_GetRecursionDepth(t)).toBe(0);
    expect(C.PyTasklet_GetPendingIrq(t)).toBe(0);
    expect(C.PyErr_Occurred()).toBe(NULL);
    // a deferred interrupt: an atomic tasklet that outlives the timeout keeps the mark
    let seen;
    const a = new S.tasklet(function* () {
      const me = S.getcurrent();
      me.set_atomic(1);
      // yield until the watchdog has deferred its interrupt (a pause of the process, e.g. a
      // forced GC, must not end the loop before a yield after the 1 ms timeout)
      const t0 = Date.now();
      while (C.PyTasklet_GetPendingIrq(me) === 0 && Date.now() - t0 < 5000) yield 1;
      seen = C.PyTasklet_GetPendingIrq(me);
      me.set_atomic(0);
      for (;;) yield 2;
    }).setup();
    expect(S.run(1000)).toBe(a);
    expect(seen).toBe(1);
    expect(C.PyTasklet_GetPendingIrq(a)).toBe(0);
    a.kill();
  });
});

describe('channel functions', () => {
  it('PyChannel_New: NULL type, a subclass (no constructor run), a wrong type', () => {
    const ch = C.PyChannel_New(NULL);
    expect(ch).toBeInstanceOf(S.channel);
    expect([C.PyChannel_GetBalance(ch), C.PyChannel_GetPreference(ch), C.PyChannel_GetClosing(ch),
      C.PyChannel_GetClosed(ch), C.PyChannel_GetScheduleAll(ch)]).toEqual([0, -1, 0, 0, 0]);
    expect(C.PyChannel_GetQueue(ch)).toBe(Py_None);
    class MyChannel extends S.channel {
      constructor() {
        super();
        this.initialised = true;
      }
    }
    const m = C.PyChannel_New(MyChannel);
    expect(m).toBeInstanceOf(MyChannel);
    expect(m.initialised).toBe(undefined);   // type() without __init__
    expect(C.PyChannel_GetBalance(m)).toBe(0);
    // it works as a channel
    spawn(function* () { if (C.PyChannel_Send_nr(m, 'via subclass') === 1) yield Py_UnwindToken; });
    expect(C.PyChannel_Receive(m)).toBe('via subclass');
    run();   // the sender finishes
    for (const bad of [S.tasklet, Object, function () {}, 'channel', null]) {
      expect(C.PyChannel_New(bad)).toBe(NULL);
      expect(err()).toEqual([TypeError, 'channel_new: type must be subtype of channel']);
    }
  });

  it('PyChannel_Send / PyChannel_Receive from main', () => {
    const ch = C.PyChannel_New(NULL);
    const got = [];
    const t = spawn(function* () { for (;;) got.push(yield C.PyChannel_Receive_nr(ch)); });
    run();
    expect(C.PyChannel_GetBalance(ch)).toBe(-1);
    expect(C.PyChannel_Send(ch, 1)).toBe(0);
    expect(C.PyChannel_Send(ch, Py_None)).toBe(0);
    expect(got).toEqual([1, undefined]);
    expect(C.PyChannel_Send(ch, NULL)).toBe(-1);
    expect(err()).toEqual([S.SystemError, 'bad argument to internal function']);
    expect(C.PyTasklet_Kill(t)).toBe(0);
    spawn(function* () { if (C.PyChannel_Send_nr(ch, 'hello') === 1) yield Py_UnwindToken; });
    expect(C.PyChannel_Receive(ch)).toBe('hello');
    run();
    // nothing else can run: the deadlock error
    expect(C.PyChannel_Receive(ch)).toBe(NULL);
    expect(err()).toEqual([S.RuntimeError, 'Deadlock: the last runnable tasklet cannot be blocked.']);
    expect(C.PyChannel_Send(ch, 1)).toBe(-1);
    expect(err()).toEqual([S.RuntimeError, 'Deadlock: the last runnable tasklet cannot be blocked.']);
    expect(C.PyChannel_GetBalance(ch)).toBe(0);
    // a tasklet that ends while main waits: main's receive fails
    spawn(function* () { yield C.PyStackless_Schedule_nr(Py_None, 0); });
    expect(C.PyChannel_Receive(ch)).toBe(NULL);
    expect(err()).toEqual([S.RuntimeError, 'the main tasklet is receiving without a sender available.']);
    // a plain (non-_nr) blocking call in a generator tasklet cannot switch
    const seen = [];
    spawn(function* () {
      seen.push(C.PyChannel_Receive(ch), C.PyErr_Occurred());
      C.PyErr_Clear();
      yield C.PyStackless_Schedule_nr(Py_None, 0);
    });
    run();
    expect(seen).toEqual([NULL, S.RuntimeError]);
  });

  it('PyChannel_SendException and PyChannel_SendThrow', () => {
    const ch = C.PyChannel_New(NULL);
    const got = [];
    const t = spawn(function* () {
      for (;;) {
        try {
          yield C.PyChannel_Receive_nr(ch);
        } catch (e) {
          if (e instanceof S.TaskletExit) throw e;
          got.push(e);
        }
      }
    });
    run();
    expect(C.PyChannel_SendException(ch, S.ValueError, ['bad', 2])).toBe(0);
    expect(got[0]).toBeInstanceOf(S.ValueError);
    expect(got[0].args).toEqual(['bad', 2]);
    expect(C.PyChannel_SendException(ch, S.RuntimeError, 'one')).toBe(0);
    expect(got[1].args).toEqual(['one']);
    expect(C.PyChannel_SendException(ch, 42, [])).toBe(-1);
    expect(err()).toEqual([TypeError, 'channel.send_exception needs Exception or string subclass as first parameter']);
    expect(C.PyChannel_SendException(ch, S.ValueError, NULL)).toBe(-1);
    expect(err()).toEqual([S.SystemError, 'bad argument to internal function']);

    const inst = new S.ValueError('instance');
    expect(C.PyChannel_SendThrow(ch, inst, NULL, NULL)).toBe(0);
    expect(got[2]).toBe(inst);
    expect(C.PyChannel_SendThrow(ch, S.ValueError, ['x', 'y'], Py_None)).toBe(0);
    expect(got[3].args).toEqual(['x', 'y']);
    expect(C.PyChannel_SendThrow(ch, S.ValueError, NULL, {})).toBe(-1);
    expect(err()).toEqual([TypeError, 'third argument must be a traceback object']);
    expect(C.PyChannel_SendThrow(ch, inst, 1, NULL)).toBe(-1);
    expect(err()).toEqual([TypeError, 'instance exception may not have a separate value']);
    expect(C.PyChannel_SendThrow(ch, 'str', NULL, NULL)).toBe(-1);
    expect(err()).toEqual([TypeError, 'exceptions must be classes, or instances, not string']);
    expect(got.length).toBe(4);
    expect(C.PyTasklet_Kill(t)).toBe(0);
    expect(C.PyTasklet_Alive(t)).toBe(0);
  });

  it('close, open, closing, closed, queue and balance', () => {
    const ch = C.PyChannel_New(NULL);
    const senders = [1, 2, 3].map((x) => spawn(function* () { if (C.PyChannel_Send_nr(ch, x) === 1) yield Py_UnwindToken; }));
    run();
    expect(C.PyChannel_GetBalance(ch)).toBe(3);
    expect(C.PyChannel_GetQueue(ch)).toBe(senders[0]);
    expect(C.PyChannel_Close(ch)).toBe(undefined);
    expect([C.PyChannel_GetClosing(ch), C.PyChannel_GetClosed(ch)]).toEqual([1, 0]);
    const got = [];
    while (C.PyChannel_GetBalance(ch) > 0) got.push(C.PyChannel_Receive(ch));
    expect(got).toEqual([1, 2, 3]);
    expect([C.PyChannel_GetClosing(ch), C.PyChannel_GetClosed(ch)]).toEqual([1, 1]);
    expect(C.PyChannel_GetQueue(ch)).toBe(Py_None);
    expect(C.PyChannel_Receive(ch)).toBe(NULL);
    expect(err()).toEqual([S.ValueError, 'Send/receive operation on a closed channel']);
    expect(C.PyChannel_Send(ch, 1)).toBe(-1);
    expect(err()).toEqual([S.ValueError, 'Send/receive operation on a closed channel']);
    expect(C.PyChannel_Open(ch)).toBe(undefined);
    expect([C.PyChannel_GetClosing(ch), C.PyChannel_GetClosed(ch)]).toEqual([0, 0]);
    run();   // the senders finish
    const r = spawn(function* () { yield C.PyChannel_Receive_nr(ch); });
    const r2 = spawn(function* () { yield C.PyChannel_Receive_nr(ch); });
    run();
    expect(C.PyChannel_GetBalance(ch)).toBe(-2);
    expect(C.PyChannel_GetQueue(ch)).toBe(r);
    expect(r.next).toBe(r2);
    C.PyChannel_Send(ch, 'a');
    C.PyChannel_Send(ch, 'b');
    expect(C.PyChannel_GetBalance(ch)).toBe(0);
  });

  it('preference and schedule_all', () => {
    const ch = C.PyChannel_New(NULL);
    expect(C.PyChannel_SetPreference(ch, 5)).toBe(undefined);
    expect(C.PyChannel_GetPreference(ch)).toBe(1);
    C.PyChannel_SetPreference(ch, -7);
    expect(C.PyChannel_GetPreference(ch)).toBe(-1);
    C.PyChannel_SetPreference(ch, 0);
    expect(C.PyChannel_GetPreference(ch)).toBe(0);
    expect(C.PyChannel_SetPreference(ch, 'x')).toBe(undefined);
    expect(err()).toEqual([TypeError, 'preference must be set to an integer']);
    expect(C.PyChannel_GetPreference(ch)).toBe(0);
    expect(C.PyChannel_SetScheduleAll(ch, 2)).toBe(undefined);
    expect(C.PyChannel_GetScheduleAll(ch)).toBe(1);
    C.PyChannel_SetScheduleAll(ch, 0);
    expect(C.PyChannel_GetScheduleAll(ch)).toBe(0);
    C.PyChannel_SetScheduleAll(ch, 'x');
    expect(err()).toEqual([TypeError, 'preference must be set to a bool or integer']);
  });
});

describe('_nr functions in generator tasklets', () => {
  it('ping-pong with PyChannel_Send_nr / PyChannel_Receive_nr', () => {
    const ch = C.PyChannel_New(NULL);
    const log = [];
    const out = {};
    function* pong(n) {
      for (let i = 0; i < n; i++) {
        const v = yield C.PyChannel_Receive_nr(ch);
        log.push(`r${v}`);
        if (C.PyChannel_Send_nr(ch, v + 1) === 1) yield Py_UnwindToken;
      }
    }
    function* ping(n) {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const r = C.PyChannel_Send_nr(ch, i);
        expect(r).toBe(1);   // pong waits, preference -1: the sender switched
        yield Py_UnwindToken;
        s += yield C.PyChannel_Receive_nr(ch);
      }
      out.sum = s;
    }
    spawn(pong, 4);
    spawn(ping, 4);
    gc();
    expect(C.PyStackless_GetRunCount()).toBe(3);
    run();
    expect(log).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(out.sum).toBe(1 + 2 + 3 + 4);
    expect(C.PyChannel_GetBalance(ch)).toBe(0);
  });

  it('results of _nr calls that do not switch, and of those that do', () => {
    const ch = C.PyChannel_New(NULL);
    const log = [];
    // a waiting sender: the receive completes at once (preference -1) and returns the value
    spawn(function* () { yield C.PyChannel_Send_nr(ch, 7) === 1 ? Py_UnwindToken : 0; log.push('S resumed'); });
    spawn(function* () {
      const r = C.PyChannel_Receive_nr(ch);
      log.push(`got ${r}`);
      yield r;   // not the token: the generator goes on at once
      log.push('R continues');
    });
    run();
    expect(log).toEqual(['got 7', 'R continues', 'S resumed']);
    // preference 1: a send to a waiting receiver does not switch (0)
    log.length = 0;
    C.PyChannel_SetPreference(ch, 1);
    spawn(function* () { log.push(`R got ${yield C.PyChannel_Receive_nr(ch)}`); });
    spawn(function* () {
      const r = C.PyChannel_Send_nr(ch, 'y');
      log.push(`send_nr ${r}`);
      if (r === 1) yield Py_UnwindToken;
      log.push('S continues');
    });
    run();
    expect(log).toEqual(['send_nr 0', 'S continues', 'R got y']);
  });

  it('PyStackless_Schedule_nr: round robin, the resume value, remove', () => {
    const log = [];
    function* spin(name, n) {
      for (let i = 0; i < n; i++) {
        log.push(`${name}${i}`);
        const r = C.PyStackless_Schedule_nr(i, 0);
        expect(r).toBe(Py_UnwindToken);
        expect(yield r).toBe(i);
      }
    }
    spawn(spin, 'a', 3);
    spawn(spin, 'b', 3);
    spawn(spin, 'c', 3);
    run();
    expect(log.join(' ')).toBe('a0 b0 c0 a1 b1 c1 a2 b2 c2');
    // schedule_remove + tempval + insert: custom blocking
    const got = [];
    const waiter = spawn(function* () { got.push(yield C.PyStackless_Schedule_nr('dflt', 1)); });
    run();
    expect(C.PyTasklet_Paused(waiter)).toBe(1);
    expect(waiter.tempval).toBe('dflt');
    waiter.tempval = 'woken';
    expect(C.PyTasklet_Insert(waiter)).toBe(0);
    run();
    expect(got).toEqual(['woken']);
    // alone in the run queue: no switch, the value comes back at once
    const alone = [];
    spawn(function* () { alone.push(C.PyStackless_Schedule_nr('me', 0)); yield 0; });
    run();
    expect(alone).toEqual(['me']);
  });

  it('PyTasklet_Run_nr and PyTasklet_Switch_nr return 1 when they switched', () => {
    const log = [];
    const target = C.PyTasklet_New(NULL, function* () { log.push('target'); });
    C.PyTasklet_BindEx(target, NULL, [], NULL);   // alive, paused
    const target2 = C.PyTasklet_New(NULL, function* () { log.push('target2'); });
    C.PyTasklet_BindEx(target2, NULL, [], NULL);
    let switcher;
    spawn(function* () {
      const r = C.PyTasklet_Run_nr(target);
      log.push(`run_nr ${r}`);
      if (r === 1) yield Py_UnwindToken;
      log.push('runner resumed');
    });
    switcher = spawn(function* () {
      const r = C.PyTasklet_Switch_nr(target2);
      log.push(`switch_nr ${r}`);
      if (r === 1) yield Py_UnwindToken;
      log.push('switcher resumed');
    });
    run();
    // run: the target becomes the head of the run queue, the runner follows it; switch: the
    // switcher leaves the run queue
    expect(log).toEqual(['run_nr 1', 'target', 'runner resumed', 'switch_nr 1', 'target2']);
    // the switcher was paused by the switch: only an explicit insert resumes it
    expect(C.PyTasklet_Paused(switcher)).toBe(1);
    expect(C.PyTasklet_Insert(switcher)).toBe(0);
    run();
    expect(log[log.length - 1]).toBe('switcher resumed');
    // a failing _nr: -1 and the error set, no switch
    const seen = [];
    spawn(function* () {
      seen.push(C.PyTasklet_Run_nr(target), ...err());
      yield 0;
    });
    run();
    expect(seen).toEqual([-1, S.RuntimeError, 'You cannot run an unbound(dead) tasklet']);
  });

  it('an exception delivered after a soft switch is thrown at the yield', () => {
    const ch = C.PyChannel_New(NULL);
    const got = [];
    const receiver = () => spawn(function* () {
      try { yield C.PyChannel_Receive_nr(ch); } catch (e) { got.push(`caught ${e.message}`); }
    });
    receiver();
    C.PyChannel_SetPreference(ch, 1);   // the sender goes on: the plain call need not switch
    spawn(function* () {
      got.push(C.PyChannel_SendException(ch, S.ValueError, 'boom'));
      yield 0;
    });
    run();
    expect(got).toEqual([0, 'caught boom']);
    // with preference -1 the plain call would have to switch: a generator cannot, -1
    got.length = 0;
    C.PyChannel_SetPreference(ch, -1);
    const r = receiver();
    spawn(function* () {
      got.push(C.PyChannel_SendException(ch, S.ValueError, 'boom'), ...err());
      yield 0;
    });
    run();
    expect(got.slice(0, 2)).toEqual([-1, S.RuntimeError]);
    expect(got[2]).toMatch(/_nr/);
    expect(C.PyChannel_GetQueue(ch)).toBe(r);
    expect(C.PyTasklet_Kill(r)).toBe(0);
  });
});

describe('scheduler functions', () => {
  it('PyStackless_Schedule from main', () => {
    const log = [];
    spawn(function* () { log.push('a'); });
    expect(C.PyStackless_Schedule(Py_None, 0)).toBe(Py_None);
    expect(log).toEqual(['a']);
    spawn(function* () { log.push('b'); });
    expect(C.PyStackless_Schedule(42, 0)).toBe(42);
    expect(log).toEqual(['a', 'b']);
    expect(C.PyStackless_Schedule('alone', 0)).toBe('alone');
    expect(C.PyStackless_Schedule('alone', 1)).toBe('alone');   // main alone: back at once
    expect(C.PyStackless_Schedule(NULL, 0)).toBe(NULL);
    expect(err()).toEqual([S.SystemError, 'bad argument to internal function']);
    expect(C.PyStackless_Schedule_nr(NULL, 0)).toBe(NULL);
    expect(err()).toEqual([S.SystemError, 'bad argument to internal function']);
    expect(C.PyStackless_Schedule_nr('main', 0)).toBe('main');   // main never unwinds
  });

  it('PyStackless_GetRunCount, PyStackless_GetCurrent, PyStackless_GetCurrentId', () => {
    expect(C.PyStackless_GetRunCount()).toBe(1);
    expect(C.PyStackless_GetCurrent()).toBe(S.getmain());
    const mainId = C.PyStackless_GetCurrentId();
    expect(mainId).toBe(S.getmain().thread_id);
    const inside = [];
    const t = spawn(function* () {
      inside.push(C.PyStackless_GetCurrent(), C.PyStackless_GetCurrentId(), C.PyStackless_GetRunCount(),
        C.PyStackless_GetCurrent().id);
    });
    spawn(function* () {});
    expect(C.PyStackless_GetRunCount()).toBe(3);
    run();
    expect(inside[0]).toBe(t);
    expect(inside[1]).toBe(inside[3]);   // the tasklet's id
    expect(typeof inside[1]).toBe('number');
    expect(inside[1]).not.toBe(mainId);
    expect(inside[2]).toBe(2);   // main is paused inside run()
    expect(C.PyStackless_GetRunCount()).toBe(1);
  });

  it('PyStackless_RunWatchdog and PyStackless_RunWatchdogEx', () => {
    const log = [];
    spawn(function* () { log.push(1); yield C.PyStackless_Schedule_nr(Py_None, 0); log.push(3); });
    spawn(function* () { log.push(2); });
    expect(C.PyStackless_RunWatchdog(0)).toBe(Py_None);
    expect(log).toEqual([1, 2, 3]);
    expect(C.PyStackless_RunWatchdog(0)).toBe(Py_None);   // nothing to run
    // flags with a total budget large enough to finish
    spawn(function* () { log.push(4); yield C.PyStackless_Schedule_nr(Py_None, 0); log.push(5); });
    expect(C.PyStackless_RunWatchdogEx(60000000, S.PY_WATCHDOG_TOTALTIMEOUT | S.PY_WATCHDOG_SOFT)).toBe(Py_None);
    spawn(function* () { log.push(6); });
    expect(C.PyStackless_RunWatchdogEx(0, S.Py_WATCHDOG_THREADBLOCK | S.PY_WATCHDOG_IGNORE_NESTING)).toBe(Py_None);
    expect(log).toEqual([1, 2, 3, 4, 5, 6]);
    for (const bad of [256, -1]) {
      expect(C.PyStackless_RunWatchdogEx(0, bad)).toBe(NULL);
      expect(err()).toEqual([S.ValueError, 'flags must be in [0..255]']);
    }
    // an uncaught exception of a tasklet: NULL with it set; the others stay queued
    spawn(function* () { throw new S.ValueError('uncaught'); });
    const rest = spawn(function* () { log.push(7); });
    expect(C.PyStackless_RunWatchdog(0)).toBe(NULL);
    expect(err()).toEqual([S.ValueError, 'uncaught']);
    expect(C.PyTasklet_Scheduled(rest)).toBe(1);
    run();
    expect(log).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // TaskletExit is swallowed
    spawn(function* () { throw new S.TaskletExit(); });
    expect(C.PyStackless_RunWatchdog(0)).toBe(Py_None);
  });

  it('the watchdog interrupts a generator tasklet at a yield; the flags reach run()', () => {
    const busy = (us) => {
      const end = process.hrtime.bigint() + BigInt(us * 1000);
      while (process.hrtime.bigint() < end);
    };
    // hard (per time slice): the interrupted tasklet is returned, paused
    let n = 0;
    const t = spawn(function* () {
      for (let i = 0; i < 20; i++) {
        busy(300);
        n++;
        yield i;
      }
    });
    expect(C.PyStackless_RunWatchdog(1000)).toBe(t);
    expect(n).toBeLessThan(20);
    expect([C.PyTasklet_Paused(t), C.PyTasklet_Scheduled(t)]).toEqual([1, 0]);
    expect(C.PyTasklet_Insert(t)).toBe(0);
    run();
    expect(n).toBe(20);
    // soft: run() returns Py_None at the next switch, every tasklet stays scheduled
    n = 0;
    const s = spawn(function* () {
      for (let i = 0; i < 20; i++) {
        busy(300);
        n++;
        yield C.PyStackless_Schedule_nr(Py_None, 0);
      }
    });
    expect(C.PyStackless_RunWatchdogEx(1000, S.PY_WATCHDOG_SOFT)).toBe(Py_None);
    expect(n).toBeLessThan(20);
    expect(C.PyTasklet_Scheduled(s)).toBe(1);
    run();
    expect(n).toBe(20);
    // total budget: one of two tasklets that switch all the time is interrupted
    n = 0;
    const pair = [0, 1].map(() => spawn(function* () {
      for (let i = 0; i < 30; i++) {
        busy(100);
        n++;
        yield 0;
        yield C.PyStackless_Schedule_nr(Py_None, 0);
      }
    }));
    const r = C.PyStackless_RunWatchdogEx(1500, S.PY_WATCHDOG_TOTALTIMEOUT);
    expect(pair).toContain(r);
    expect(n).toBeLessThan(60);
    expect(C.PyTasklet_Insert(r)).toBe(0);
    run();
    expect(n).toBe(60);
  });
});

describe('callbacks and the switch trap', () => {
  it('PyStackless_SetChannelCallback', () => {
    expect(C.PyStackless_SetChannelCallback(5)).toBe(-1);
    expect(err()).toEqual([TypeError, 'channel callback must be callable']);
    const calls = [];
    const ch = C.PyChannel_New(NULL);
    const cb = (c, t, sending, willblock) => calls.push([c, t, sending, willblock]);
    expect(C.PyStackless_SetChannelCallback(cb)).toBe(0);
    expect(S.get_channel_callback()).toBe(cb);
    const t = spawn(function* () { yield C.PyChannel_Receive_nr(ch); });
    run();
    expect(C.PyChannel_Send(ch, 1)).toBe(0);
    expect(C.PyStackless_SetChannelCallback(NULL)).toBe(0);
    expect(S.get_channel_callback()).toBe(undefined);
    // (compared by identity: toEqual would iterate the channel)
    expect(calls.length).toBe(2);
    expect(calls[0][0]).toBe(ch);
    expect(calls[0][1]).toBe(t);
    expect(calls[0].slice(2)).toEqual([0, 1]);   // receiving, will block
    expect(calls[1][0]).toBe(ch);
    expect(calls[1][1]).toBe(S.getmain());
    expect(calls[1].slice(2)).toEqual([1, 0]);   // sending, a receiver waits
    expect(C.PyStackless_SetChannelCallback(cb)).toBe(0);
    expect(C.PyStackless_SetChannelCallback(Py_None)).toBe(0);   // Py_None removes it too
    expect(S.get_channel_callback()).toBe(undefined);
  });

  it('PyStackless_SetScheduleCallback', () => {
    expect(C.PyStackless_SetScheduleCallback('x')).toBe(-1);
    expect(err()).toEqual([TypeError, 'schedule callback must be callable']);
    const calls = [];
    const cb = (prev, next) => calls.push([prev, next]);
    expect(C.PyStackless_SetScheduleCallback(cb)).toBe(0);
    expect(S.get_schedule_callback()).toBe(cb);
    const t = spawn(function* () {});
    run();
    expect(C.PyStackless_SetScheduleCallback(NULL)).toBe(0);
    expect(S.get_schedule_callback()).toBe(undefined);
    expect(calls.length).toBe(2);
    expect(calls[0][0]).toBe(S.getmain());
    expect(calls[0][1]).toBe(t);
    expect(calls[1][0]).toBe(t);
    expect(calls[1][1]).toBe(S.getmain());
  });

  it('PyStackless_SetScheduleFastcallback', () => {
    const calls = [];
    const name = (x) => (x === NULL ? 'NULL' : x === S.getmain() ? 'main' : 'other');
    C.PyErr_SetString(S.KeyError, 'pending');
    const hook = (from, to) => {
      calls.push([name(from), name(to)]);
      expect(C.PyErr_Occurred()).toBe(NULL);   // the hook starts with a clear indicator
      return 0;
    };
    expect(C.PyStackless_SetScheduleFastcallback(hook)).toBe(undefined);
    expect(typeof S.get_schedule_callback()).toBe('function');
    spawn(function* () { yield C.PyStackless_Schedule_nr(Py_None, 0); });
    run();
    expect(calls).toEqual([['main', 'other'], ['other', 'main']]);
    expect(err()).toEqual([S.KeyError, 'pending']);   // a pending error survives the hook
    // a non-zero result is reported (stderr) and cleared; the switch happens anyway
    const failing = [];
    C.PyStackless_SetScheduleFastcallback((from, to) => {
      failing.push(name(to));
      C.PyErr_SetString(S.ValueError, 'hook failed (expected in this test)');
      return -1;
    });
    const t = spawn(function* () {});
    run();
    expect(failing).toEqual(['other', 'main']);
    expect(C.PyTasklet_Alive(t)).toBe(0);
    expect(C.PyErr_Occurred()).toBe(NULL);
    // the last setter wins: PyStackless_SetScheduleCallback replaces the hook, NULL clears both
    const py = [];
    expect(C.PyStackless_SetScheduleCallback((prev, next) => py.push(next))).toBe(0);
    spawn(function* () {});
    run();
    expect(failing.length).toBe(2);
    expect(py.length).toBe(2);
    expect(C.PyStackless_SetScheduleCallback(NULL)).toBe(0);
    C.PyStackless_SetScheduleFastcallback(hook);
    expect(C.PyStackless_SetScheduleFastcallback(NULL)).toBe(undefined);
    expect(S.get_schedule_callback()).toBe(undefined);
    expect(C.PyStackless_SetScheduleFastcallback(5)).toBe(undefined);
    expect(err()).toEqual([TypeError, 'schedule callback must be callable']);
  });

  it('PyStackless_AdjustSwitchTrap', () => {
    expect(C.PyStackless_AdjustSwitchTrap(1)).toBe(0);
    expect(S.switch_trap(0)).toBe(1);
    const t = spawn(function* () {});
    expect(C.PyStackless_RunWatchdog(0)).toBe(NULL);
    expect(err()).toEqual([S.RuntimeError, 'switch_trap']);
    expect(C.PyTasklet_Run(t)).toBe(-1);
    expect(err()).toEqual([S.RuntimeError, 'switch_trap']);
    expect(C.PyStackless_Schedule(Py_None, 0)).toBe(NULL);
    expect(err()).toEqual([S.RuntimeError, 'switch_trap']);
    expect(C.PyTasklet_Remove(t)).toBe(0);   // not trapped
    expect(C.PyTasklet_Insert(t)).toBe(0);
    expect(C.PyStackless_AdjustSwitchTrap(-1)).toBe(1);
    run();
    expect(C.PyTasklet_Alive(t)).toBe(0);
    expect(C.PyStackless_AdjustSwitchTrap('x')).toBe(-1);
    expect(C.PyErr_Occurred()).toBe(TypeError);
    C.PyErr_Clear();
    expect(C.PyStackless_AdjustSwitchTrap(0)).toBe(0);
  });
});

describe('the "outside" interface', () => {
  it('JS always runs inside: the Call_Main functions fail with the original RuntimeError', () => {
    const inside = [S.RuntimeError, 'Call_Main cannot run within a main tasklet'];
    const f = () => 1;
    expect(C.PyStackless_Call_Main(f, [], NULL)).toBe(NULL);
    expect(err()).toEqual(inside);
    const o = { m: f, notfn: 3 };
    expect(C.PyStackless_CallMethod_Main(o, 'm', 'ii', 1, 2)).toBe(NULL);
    expect(err()).toEqual(inside);
    expect(C.PyStackless_CallMethod_Main(f, NULL, NULL)).toBe(NULL);
    expect(err()).toEqual(inside);
    expect(C.PyStackless_CallMethod_Main(NULL, 'm', NULL)).toBe(NULL);
    expect(err()).toEqual([S.SystemError, 'PyStackless_CallMethod_Main: object is NULL']);
    expect(C.PyStackless_CallMethod_Main(o, 'missing', NULL)).toBe(NULL);
    expect(err()).toEqual([S.AttributeError, 'missing']);
    expect(C.PyStackless_CallMethod_Main(o, 'notfn', NULL)).toBe(NULL);
    expect(err()).toEqual([TypeError, 'call of non-callable attribute']);
    expect(C.PyStackless_CallCMethod_Main({ ml_name: 'm', ml_meth: f, ml_flags: 0 }, o, NULL)).toBe(NULL);
    expect(err()).toEqual(inside);
    expect(C.PyStackless_CallCMethod_Main(NULL, o, NULL)).toBe(NULL);
    expect(err()).toEqual([S.SystemError, 'PyStackless_CallCMethod_Main: method is NULL']);
  });
});

describe('coverage', () => {
  it('every mirror function was called by the tests above', () => {
    expect(ALL.filter((n) => !called.has(n))).toEqual([]);
  });
});

describe('the trampoline and int _nr results', () => {
  it('yielding the 1 of an int _nr call that switched unwinds instead of resuming at once', () => {
    const ch = S.PyChannel_New(S.NULL);
    const log = [];
    new S.tasklet(function* () {
      const v = yield S.PyChannel_Receive_nr(ch);
      log.push(`got ${v}`);
    }).setup();
    new S.tasklet(function* () {
      // switches to the receiver and returns 1; yielding that 1 unwinds (the current tasklet
      // changed) and the generator is resumed later with the send's result, undefined (None)
      const r = yield S.PyChannel_Send_nr(ch, 42);
      log.push(`sent ${r}`);
    }).setup();
    S.run();
    expect(log).toEqual(['got 42', 'sent undefined']);
  });

  it('a generator that returns the result of a switching call ends when it runs again', () => {
    const ch = new S.channel();
    const log = [];
    new S.tasklet(function* () { log.push(`got ${yield ch.receive_nr()}`); }).setup();
    new S.tasklet(function* () { return ch.send_nr('x'); }).setup();   // no yield: still safe
    S.run();
    expect(log).toEqual(['got x']);
  });
});
