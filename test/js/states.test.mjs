// The STATES.md tables as tests, for generator tasklets: §2.1-2.3 (tasklet state × operation)
// and §5.3 (channel state × operation). One generated case per table cell; the expectations
// are written as tables below, in the layout of STATES.md.
//
// Not here: P/hard (a tasklet with C state: native tasklets, test/c), O (orphaned tasklets of a
// thread that ended: threads.test.mjs), operations from another thread (not supported yet).
// D is "U after running": the two look the same (STATES.md 1), so D cells expect U.
import { describe, it, expect } from 'vitest';
import { S, gc, expectIdleAfterEach } from './support.mjs';

expectIdleAfterEach();

// ---- tasklets ------------------------------------------------------------------------------

// The observable state code of a tasklet (STATES.md 1); rec tells whether it has started.
function stateOf(t, rec) {
  if (!t.alive) return typeof t.tempval === 'function' ? 'B' : 'U';
  if (t.is_current) return 'C';
  if (t.blocked) return 'BL';
  if (t.scheduled) return rec && !rec.started ? 'R0' : 'R';
  return rec && !rec.started ? 'P0' : 'P';
}

// The body of every test tasklet: it notes main's state each time it gets to run (start or
// resume), catches what is thrown at it (except TaskletExit), and then does what rec.mode says.
function bodyFor(rec) {
  return function* body() {
    rec.started = true;
    for (;;) {
      rec.runs.push(stateOf(S.getmain()));
      try {
        if (rec.mode === 'end') return;
        if (rec.mode === 'park') yield S.schedule_remove_nr();
        else if (rec.mode === 'queue') yield S.schedule_nr();
        else yield rec.ch.receive_nr();
      } catch (e) {
        if (e instanceof S.TaskletExit) throw e;
        rec.caught.push(e);
      }
    }
  };
}

// Makes a tasklet in a state, seen from main (C is made by running the operation inside).
const MAKE = {
  U: () => ({ t: new S.tasklet() }),
  B: (rec) => ({ t: new S.tasklet(bodyFor(rec)) }),
  D: (rec) => {
    rec.mode = 'end';
    const t = new S.tasklet(bodyFor(rec)).setup();
    S.run();
    return { t };
  },
  P0: (rec) => ({ t: new S.tasklet(bodyFor(rec), []) }),
  P: (rec) => {
    const t = new S.tasklet(bodyFor(rec)).setup();
    S.run();   // it parks itself: schedule_remove
    return { t };
  },
  R0: (rec) => ({ t: new S.tasklet(bodyFor(rec)).setup() }),
  R: (rec) => {
    rec.mode = 'queue';
    const t = new S.tasklet(bodyFor(rec)).setup();
    t.run();   // it runs and schedules back to main: runnable, started
    return { t };
  },
  BL: (rec) => {
    rec.mode = 'block';
    rec.ch = new S.channel();
    const t = new S.tasklet(bodyFor(rec)).setup();
    S.run();
    return { t };
  },
};
const OBSERVED = { U: 'U', B: 'B', D: 'U', P0: 'P0', P: 'P', R0: 'R0', R: 'R', BL: 'BL' };

const E = new S.ValueError('thrown at it');
// after a successful bind: the new function has not started
const rebound = (t, rec) => {
  rec.started = false;
  return t;
};
const OPS = {
  'bind(f)': (t, rec) => rebound(t.bind(bodyFor(rec)), rec),
  'bind(None)': (t) => t.bind(null),
  'bind(f, args)': (t, rec) => rebound(t.bind(bodyFor(rec), []), rec),
  'setup()': (t) => t.setup(),
  'insert()': (t) => t.insert(),
  'remove()': (t) => t.remove(),
  'run()': (t) => t.run(),
  'switch()': (t) => t.switch(),
  'throw(E)': (t) => t.throw(E),
  'throw(E, pending)': (t) => t.throw(E, undefined, undefined, true),
  'throw(TaskletExit)': (t) => t.throw(S.TaskletExit),
  'kill()': (t) => t.kill(),
  'kill(pending)': (t) => t.kill(true),
};

// Outcomes. to(X): succeeds without running it, ends in X (noop: stays). ran(c): it runs at
// once (→C) while the caller (main) is in state c. caught(c): it runs at once and E is raised at
// its resume point. dies: it ends at once, quietly (TaskletExit), never resuming its body.
// diesWith: it ends at once with E before its function starts; E reaches the caller.
// pending(X): it is X with the exception pending; the next run() delivers it.
// self: the exception is raised in the caller (the current tasklet itself).
const to = (state) => ({ kind: 'to', state });
const noop = { kind: 'noop' };
const ran = (caller) => ({ kind: 'ran', caller });
const caught = (caller) => ({ kind: 'caught', caller });
const dies = { kind: 'dies' };
const diesWith = { kind: 'diesWith' };
const pending = (state) => ({ kind: 'pending', state });
const self = { kind: 'self' };
const err = (cls, msg) => ({ kind: 'err', cls, msg });

const SCHEDULED = err(S.RuntimeError, 'tasklet is scheduled');
const CURRENT = err(S.RuntimeError, "can't (re)bind the current tasklet");
const NOT_BOUND = err(S.RuntimeError, 'the tasklet was not bound to a function');
const ALIVE = err(S.RuntimeError, 'tasklet is alive');
const UNBOUND = err(S.RuntimeError, 'You cannot run an unbound(dead) tasklet');
const BLOCKED = err(S.RuntimeError, 'You cannot run a blocked tasklet');
const DEAD = err(S.RuntimeError, 'You cannot throw to a dead tasklet');

const COLS = ['U', 'B', 'D', 'P0', 'P', 'R0', 'R', 'C', 'BL'];
// STATES.md 2.1-2.3, the columns above (R0: runnable, not started; R: runnable, started).
const TABLE = {
  'bind(f)': [to('B'), to('B'), to('B'), to('B'), to('B'), SCHEDULED, SCHEDULED, CURRENT, SCHEDULED],
  'bind(None)': [to('U'), to('U'), to('U'), to('U'), to('U'), SCHEDULED, SCHEDULED, CURRENT, SCHEDULED],
  'bind(f, args)': [to('P0'), to('P0'), to('P0'), to('P0'), to('P0'), SCHEDULED, SCHEDULED, CURRENT, SCHEDULED],
  'setup()': [NOT_BOUND, to('R0'), NOT_BOUND, ALIVE, ALIVE, ALIVE, ALIVE, ALIVE, ALIVE],
  'insert()': [UNBOUND, UNBOUND, UNBOUND, to('R0'), to('R'), noop, noop, noop, BLOCKED],
  'remove()': [noop, noop, noop, noop, noop, to('P0'), to('P'),
    err(S.RuntimeError, 'The current tasklet cannot be removed.'), err(S.RuntimeError, 'You cannot remove a blocked tasklet.')],
  'run()': [UNBOUND, UNBOUND, UNBOUND, ran('R'), ran('R'), ran('R'), ran('R'), noop, BLOCKED],
  'switch()': [UNBOUND, UNBOUND, UNBOUND, ran('P'), ran('P'), ran('P'), ran('P'), noop, BLOCKED],
  'throw(E)': [DEAD, DEAD, DEAD, diesWith, caught('R'), diesWith, caught('R'), self, caught('R')],
  'throw(E, pending)': [DEAD, DEAD, DEAD, pending('R0'), pending('R'), pending('R0'), pending('R'), self, pending('R')],
  'throw(TaskletExit)': [noop, noop, noop, dies, dies, dies, dies, self, dies],
  'kill()': [noop, noop, noop, dies, dies, dies, dies, self, dies],
  'kill(pending)': [noop, noop, noop, pending('R0'), pending('R'), pending('R0'), pending('R'), self, pending('R')],
};

const outcomeName = (o) => (o.kind === 'err' ? `${o.cls.name} "${o.msg}"` : o.kind + (o.state || o.caller ? ` ${o.state || o.caller}` : ''));
const thrownBy = (op) => (op.includes('TaskletExit') || op.startsWith('kill') ? S.TaskletExit : null);

// The cell of one operation on the current tasklet: run inside the tasklet itself.
function checkCurrent(op, o) {
  const rec = { started: true, runs: [], caught: [], mode: 'park' };
  let result;
  const t = new S.tasklet(function* () {
    try {
      OPS[op](t, rec);
      result = { state: stateOf(t, rec) };
    } catch (e) {
      result = { e };
    }
  }).setup();
  S.run();
  expect(t.alive).toBe(false);
  if (o.kind === 'noop') expect(result).toEqual({ state: 'C' });
  else if (o.kind === 'err') {
    expect(result.e).toBeInstanceOf(o.cls);
    expect(result.e.message).toBe(o.msg);
  } else if (o.kind === 'self') {
    if (thrownBy(op)) expect(result.e).toBeInstanceOf(S.TaskletExit);
    else expect(result.e).toBe(E);
  } else throw new Error(`no such outcome for C: ${o.kind}`);
}

function checkCell(op, col, o) {
  if (col === 'C') return checkCurrent(op, o);
  const rec = { started: false, runs: [], caught: [], mode: 'park', ch: undefined };
  const { t } = MAKE[col](rec);
  const before = stateOf(t, rec);
  expect(before).toBe(OBSERVED[col]);
  rec.mode = 'park';
  rec.runs = [];
  let thrown = null;
  try {
    OPS[op](t, rec);
  } catch (e) {
    thrown = { e };
  }
  try {
    switch (o.kind) {
      case 'err':
        expect(thrown && thrown.e).toBeInstanceOf(o.cls);
        expect(thrown.e.message).toBe(o.msg);
        expect(stateOf(t, rec)).toBe(before);
        break;
      case 'noop':
      case 'to':
        expect(thrown).toBe(null);
        expect(stateOf(t, rec)).toBe(o.kind === 'noop' ? before : o.state);
        expect(rec.runs).toEqual([]);
        break;
      case 'ran':
      case 'caught':
        expect(thrown).toBe(null);
        expect(rec.runs).toEqual([o.caller]);   // it ran once, with main in that state
        expect(rec.caught).toEqual(o.kind === 'caught' ? [E] : []);
        expect(stateOf(t, rec)).toBe('P');     // and then parked itself again
        break;
      case 'dies':
        expect(thrown).toBe(null);
        expect(stateOf(t, rec)).toBe('U');
        expect(rec.runs).toEqual([]);
        break;
      case 'diesWith':
        expect(thrown && thrown.e).toBe(E);
        expect(rec.started).toBe(false);
        expect(stateOf(t, rec)).toBe('U');
        break;
      case 'pending': {
        expect(thrown).toBe(null);
        expect(stateOf(t, rec)).toBe(o.state);
        expect(rec.runs).toEqual([]);
        // delivered at its next turn
        const exc = thrownBy(op);
        let fromRun = null;
        try { S.run(); } catch (e) { fromRun = e; }
        if (exc || !rec.started) {
          expect(fromRun).toBe(exc ? null : E);   // TaskletExit: quiet end; E before the start: to main
          expect(stateOf(t, rec)).toBe('U');
        } else {
          expect(fromRun).toBe(null);
          expect(rec.caught).toEqual([E]);
          expect(stateOf(t, rec)).toBe('P');
        }
        break;
      }
      default:
        throw new Error(`no such outcome: ${o.kind}`);
    }
  } finally {
    if (t.alive) t.kill();
    S.run();
  }
}

describe('STATES.md 2: tasklet state × operation (generator tasklets)', () => {
  const cases = [];
  for (const [op, row] of Object.entries(TABLE)) {
    expect(row.length).toBe(COLS.length);
    row.forEach((o, i) => cases.push([op, COLS[i], outcomeName(o), o]));
  }
  it.each(cases)('%s on %s: %s', (op, col, _name, o) => checkCell(op, col, o));

  it('switch_trap: every cell that would make another tasklet current fails and changes nothing', () => {
    for (const col of ['P0', 'P', 'R0', 'R', 'BL']) {
      for (const op of ['run()', 'switch()', 'throw(E)', 'kill()']) {
        if (col === 'BL' && (op === 'run()' || op === 'switch()')) continue;
        const rec = { started: false, runs: [], caught: [], mode: 'park' };
        const { t } = MAKE[col](rec);
        const before = stateOf(t, rec);
        rec.runs = [];
        S.switch_trap(1);
        try {
          expect(() => OPS[op](t, rec)).toThrow(new S.RuntimeError('switch_trap'));
        } finally {
          S.switch_trap(-1);
        }
        expect(stateOf(t, rec)).toBe(before);
        expect(rec.runs).toEqual([]);
        t.kill();
        S.run();
      }
    }
  });

  it("the main tasklet: bind without args is \"can't unbind the main tasklet\"; bind(None) from main is the current-tasklet error", () => {
    const m = S.getmain();
    expect(() => m.bind(null)).toThrow(new S.RuntimeError("can't (re)bind the current tasklet"));
    let e;
    new S.tasklet(function* () {
      try { m.bind(null); } catch (x) { e = x; }
    }).setup();
    S.run();
    expect(e).toBeInstanceOf(S.RuntimeError);
    expect(e.message).toBe("can't unbind the main tasklet");
  });
});

// ---- channels (STATES.md 5.3) --------------------------------------------------------------

// The abstract state of a channel: E, S<n>, R<n>, X, XS<n>, XR<n>.
function chState(ch) {
  const b = ch.balance;
  const x = ch.closing ? 'X' : '';
  if (b === 0) return x || 'E';
  return `${x}${b > 0 ? 'S' : 'R'}${Math.abs(b)}`;
}

// Makes a channel in a state with two waiters: senders send 's0', 's1'; receivers log.
function makeChannel(code) {
  const ch = new S.channel();
  const got = [];
  const waiters = [];
  if (code.includes('S2')) {
    for (const v of ['s0', 's1']) waiters.push(new S.tasklet(function* () { yield ch.send_nr(v); }).setup());
  } else if (code.includes('R2')) {
    for (const k of [0, 1]) {
      waiters.push(new S.tasklet(function* () {
        try { got.push([k, yield ch.receive_nr()]); } catch (e) { got.push([k, e]); }
      }).setup());
    }
  }
  S.run();
  if (code.startsWith('X')) ch.close();
  expect(chState(ch)).toBe(code === 'X' ? 'X' : code);
  return { ch, got, waiters };
}

class Release extends Error {}

const CH_OPS = {
  'send(v)': (ch) => ch.send('v'),
  'receive()': (ch) => ch.receive(),
  '__next__()': (ch) => ch.next(),
  'send_exception(E)': (ch) => ch.send_exception(S.ValueError, 'sent'),
  'close()': (ch) => ch.close(),
  'open()': (ch) => ch.open(),
};
const CH_COLS = ['E', 'S2', 'R2', 'X', 'XS2', 'XR2'];
// blocks(X): the caller blocks, the channel is then X. gives(v, X): returns v, then X.
// to0(X, v): transfer to the head receiver, which gets v (or the exception), then X.
const blocks = (state) => ({ kind: 'blocks', state });
const gives = (value, state) => ({ kind: 'gives', value, state });
const toHead = (state, value) => ({ kind: 'toHead', state, value });
const chTo = (state) => ({ kind: 'to', state });
const CLOSED = err(S.ValueError, 'Send/receive operation on a closed channel');
const STOP = { kind: 'stop' };
const SENT = new S.ValueError('sent');
const CH_TABLE = {
  'send(v)': [blocks('S1'), blocks('S3'), toHead('R1', 'v'), CLOSED, CLOSED, toHead('XR1', 'v')],
  'receive()': [blocks('R1'), gives('s0', 'S1'), blocks('R3'), CLOSED, gives('s0', 'XS1'), CLOSED],
  '__next__()': [blocks('R1'), gives({ value: 's0', done: false }, 'S1'), blocks('R3'), STOP,
    gives({ value: 's0', done: false }, 'XS1'), STOP],
  'send_exception(E)': [blocks('S1'), blocks('S3'), toHead('R1', SENT), CLOSED, CLOSED, toHead('XR1', SENT)],
  'close()': [chTo('X'), chTo('XS2'), chTo('XR2'), chTo('X'), chTo('XS2'), chTo('XR2')],
  'open()': [chTo('E'), chTo('S2'), chTo('R2'), chTo('E'), chTo('S2'), chTo('R2')],
};

// The operation is made by main. An observer tasklet, queued first, sees main blocked (if it
// blocks), notes the channel's state and releases main by throwing Release at it.
function checkChannelCell(op, col, o) {
  const { ch, got, waiters } = makeChannel(col);
  let whileBlocked = null;
  new S.tasklet(function* () {
    if (S.getmain().blocked) {
      whileBlocked = chState(ch);
      yield S.getmain().throw_nr(new Release());
    }
  }).setup();
  let result, thrown = null;
  try {
    result = CH_OPS[op](ch);
  } catch (e) {
    thrown = e;
  }
  S.run();   // the observer and whatever the transfer woke up
  try {
    switch (o.kind) {
      case 'blocks':
        expect(thrown).toBeInstanceOf(Release);
        expect(whileBlocked).toBe(o.state);
        expect(chState(ch)).toBe(col === 'X' ? 'X' : col);   // main is out again
        break;
      case 'gives':
        expect(thrown).toBe(null);
        expect(result).toEqual(o.value);
        expect(chState(ch)).toBe(o.state);
        break;
      case 'toHead':
        expect(thrown).toBe(null);
        expect(result).toBe(undefined);
        expect(got.length).toBe(1);
        expect(got[0][0]).toBe(0);   // the head receiver
        if (o.value instanceof Error) {
          expect(got[0][1]).toBeInstanceOf(S.ValueError);
          expect(got[0][1].message).toBe('sent');
        } else expect(got[0][1]).toBe(o.value);
        expect(chState(ch)).toBe(o.state);
        break;
      case 'stop':
        expect(thrown).toBe(null);
        expect(result).toEqual({ value: undefined, done: true });
        expect(chState(ch)).toBe(col);
        break;
      case 'err':
        expect(thrown).toBeInstanceOf(o.cls);
        expect(thrown.message).toBe(o.msg);
        expect(chState(ch)).toBe(col);
        break;
      case 'to':
        expect(thrown).toBe(null);
        expect(chState(ch)).toBe(o.state);
        break;
      default:
        throw new Error(`no such outcome: ${o.kind}`);
    }
    expect(whileBlocked === null).toBe(o.kind !== 'blocks');
  } finally {
    for (const w of waiters) w.kill();
    S.run();
  }
}

describe('STATES.md 5.3: channel state × operation', () => {
  const cases = [];
  for (const [op, row] of Object.entries(CH_TABLE)) {
    expect(row.length).toBe(CH_COLS.length);
    row.forEach((o, i) => cases.push([op, CH_COLS[i], o.kind === 'err' ? `${o.cls.name}` : o.kind + (o.state ? ` ${o.state}` : ''), o]));
  }
  it.each(cases)('%s on %s: %s', (op, col, _name, o) => checkChannelCell(op, col, o));

  it('send_sequence is repeated send and returns the count; close() never wakes waiters', () => {
    const { ch, got, waiters } = makeChannel('R2');
    ch.close();
    expect(got).toEqual([]);
    expect(chState(ch)).toBe('XR2');
    expect(ch.send_sequence(['a', 'b'])).toBe(2);
    S.run();
    expect(got).toEqual([[0, 'a'], [1, 'b']]);
    expect(chState(ch)).toBe('X');
    expect(ch.closed).toBe(true);
    for (const w of waiters) expect(w.alive).toBe(false);
  });
});
