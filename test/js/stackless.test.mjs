// The stackless module from JS: generator tasklets, channels, the scheduler, errors.
// Run twice by `npm run test:js`: plainly, and under node --expose-gc with gc() between steps.
import { AsyncLocalStorage } from 'async_hooks';
import { describe, it, expect, afterEach } from 'vitest';
import { createRequire } from 'module';
import { spawnSync } from 'child_process';
import { checkEngineSoFar, dist } from './support.mjs';

const require = createRequire(import.meta.url);
const S = require('../../dist/index.js');

const gc = () => {
  if (process.env.STACKLESS_GC) {
    if (typeof global.gc !== 'function') throw new Error('STACKLESS_GC=1 needs node --expose-gc');
    global.gc();
  }
};

afterEach(() => {
  gc();
  // every test leaves the scheduler empty: only main is runnable
  expect(S.getruncount()).toBe(1);
  expect(S.getcurrent()).toBe(S.getmain());
});

describe('generator tasklets and channels', () => {
  it('a receive from a waiting sender gets the value with every preference and schedule_all', () => {
    // preference 1 and schedule_all switch to the sender before the receiver reads the value
    for (const [pref, all] of [[-1, false], [0, false], [1, false], [0, true]]) {
      const ch = new S.channel();
      ch.preference = pref;
      ch.schedule_all = all;
      const got = [];
      new S.tasklet(function* snd() { yield ch.send_nr({ v: 1 }); yield ch.send_nr('two'); got.push('sent'); }).setup();
      new S.tasklet(function* rcv() { got.push((yield ch.receive_nr()).v); got.push(yield ch.receive_nr()); }).setup();
      S.run();
      expect(got.filter((x) => x !== 'sent')).toEqual([1, 'two']);
      // main as the receiver
      new S.tasklet(function* snd() { yield ch.send_nr('to main'); }).setup();
      S.run();
      expect(ch.receive()).toBe('to main');
    }
  });

  it('ping-pong delivers values in order', () => {
    const ch = new S.channel();
    const log = [];
    const out = {};
    function* pong(n) {
      for (let i = 0; i < n; i++) {
        const v = yield ch.receive_nr();
        log.push(`r${v}`);
        yield ch.send_nr(v + 1);
      }
    }
    function* ping(n) {
      let s = 0;
      for (let i = 0; i < n; i++) {
        yield ch.send_nr(i);
        s += yield ch.receive_nr();
      }
      out.sum = s;
    }
    new S.tasklet(pong).setup(4);
    new S.tasklet(ping).setup(4);
    gc();
    expect(S.getruncount()).toBe(3);
    S.run();
    expect(log).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(out.sum).toBe(1 + 2 + 3 + 4);
    expect(ch.balance).toBe(0);
  });

  it('send with preference -1 switches to the waiting receiver', () => {
    const ch = new S.channel();
    expect(ch.preference).toBe(-1);
    const log = [];
    new S.tasklet(function* () { log.push('R waits'); log.push(`R got ${yield ch.receive_nr()}`); }).setup();
    new S.tasklet(function* () { log.push('S sends'); yield ch.send_nr('x'); log.push('S resumes'); }).setup();
    new S.tasklet(function* () { log.push('T runs'); }).setup();
    S.run();
    // the sender runs again only after everybody else (T)
    expect(log).toEqual(['R waits', 'S sends', 'R got x', 'T runs', 'S resumes']);
  });

  it('send with preference 1 lets the sender continue', () => {
    const ch = new S.channel();
    ch.preference = 1;
    expect(ch.preference).toBe(1);
    const log = [];
    new S.tasklet(function* () { log.push(`R got ${yield ch.receive_nr()}`); }).setup();
    new S.tasklet(function* () { const r = ch.send_nr('y'); log.push(r === S.Py_UnwindToken ? 'S unwound' : 'S continues'); yield r; }).setup();
    S.run();
    expect(log).toEqual(['S continues', 'R got y']);
  });

  it('receive from a waiting sender returns at once (no switch)', () => {
    const ch = new S.channel();
    const log = [];
    new S.tasklet(function* () { yield ch.send_nr(7); log.push('S resumed'); }).setup();
    new S.tasklet(function* () {
      const r = ch.receive_nr();
      log.push(`got ${r}`);
      yield r;
      log.push('R continues');
    }).setup();
    S.run();
    expect(log).toEqual(['got 7', 'R continues', 'S resumed']);
  });

  it('schedule_nr is round robin in run-queue order', () => {
    const log = [];
    function* spin(name, n) {
      for (let i = 0; i < n; i++) {
        log.push(`${name}${i}`);
        yield S.schedule_nr();
      }
    }
    new S.tasklet(spin).setup('a', 3);
    new S.tasklet(spin).setup('b', 3);
    new S.tasklet(spin).setup('c', 3);
    S.run();
    expect(log.join(' ')).toBe('a0 b0 c0 a1 b1 c1 a2 b2 c2');
  });

  it('a bare schedule() returns the calling tasklet, schedule(v) returns v', () => {
    const got = [];
    new S.tasklet(function* () {
      got.push((yield S.schedule_nr()) === S.getcurrent());
      got.push(yield S.schedule_nr(42));
    }).setup();
    new S.tasklet(function* () { yield S.schedule_nr(); }).setup();
    S.run();
    expect(got).toEqual([true, 42]);
  });

  it('values of every kind travel unchanged between JS tasklets', () => {
    const ch = new S.channel();
    const obj = { a: 1 };
    const values = [1, 'two', obj, [1, 2], undefined, null, 3.5, true, 10n];
    const got = [];
    new S.tasklet(function* () { for (const v of values) yield ch.send_nr(v); }).setup();
    new S.tasklet(function* () { for (let i = 0; i < values.length; i++) got.push(yield ch.receive_nr()); }).setup();
    S.run();
    expect(got).toEqual(values);
    expect(got[2]).toBe(obj);
  });

});

describe('the main tasklet', () => {
  it('blocks in plain JS: receive from a generator tasklet', () => {
    const ch = new S.channel();
    new S.tasklet(function* () { yield ch.send_nr('hello'); }).setup();
    expect(ch.receive()).toBe('hello');
    S.run();
  });

  it('sends to a waiting generator tasklet', () => {
    const ch = new S.channel();
    const got = [];
    new S.tasklet(function* () { for (;;) got.push(yield ch.receive_nr()); }).setup();
    S.run();   // the tasklet blocks on receive
    expect(ch.balance).toBe(-1);
    ch.send(1);
    ch.send(2);
    expect(got).toEqual([1, 2]);
    ch.queue.kill();
    expect(ch.balance).toBe(0);
  });

  it('raises the deadlock error when nothing else can run', () => {
    const ch = new S.channel();
    expect(() => ch.receive()).toThrow(S.RuntimeError);
    expect(() => ch.receive()).toThrow('Deadlock: the last runnable tasklet cannot be blocked.');
    expect(() => ch.send(1)).toThrow('Deadlock: the last runnable tasklet cannot be blocked.');
    expect(ch.balance).toBe(0);
  });

  it('a tasklet that ends while main waits on a channel wakes main with an error', () => {
    const ch = new S.channel();
    new S.tasklet(function* () { yield S.schedule_nr(); }).setup();
    expect(() => ch.receive()).toThrow('the main tasklet is receiving without a sender available.');
  });
});

describe('exceptions', () => {
  it('a tasklet that switches in a call it does not yield, then throws, ends with the exception when it runs again', () => {
    const ch = new S.channel();
    const log = [];
    new S.tasklet(function* () { log.push(`got ${yield ch.receive_nr()}`); }).setup();
    new S.tasklet(function* () {
      yield S.schedule_nr();
      ch.send_nr(1);   // switches to the receiver (preference -1) without a yield
      throw new S.ValueError('after the switch');
    }).setup();
    let err;
    try { S.run(); } catch (e) { err = e; }
    expect(log).toEqual(['got 1']);
    expect(err).toBeInstanceOf(S.ValueError);
    expect(err.message).toBe('after the switch');
  });

  it('an uncaught exception in a tasklet reaches main (run() throws it)', () => {
    new S.tasklet(function* () { throw new S.ValueError('boom'); }).setup();
    let err;
    try { S.run(); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(S.ValueError);
    expect(err).toBeInstanceOf(S.Exception);
    expect(err).toBeInstanceOf(S.BaseException);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe('boom');
  });

  it('any thrown JS value reaches main as the same value', () => {
    const thing = { not: 'an error' };
    new S.tasklet(function* () { yield S.schedule_nr(); throw thing; }).setup();
    let err;
    try { S.run(); } catch (e) { err = e; }
    expect(err).toBe(thing);
  });

  it('the exception goes to main wherever it waits', () => {
    const ch = new S.channel();
    const boom = new Error('in tasklet');
    new S.tasklet(function* () { throw boom; }).setup();
    expect(() => ch.receive()).toThrow(boom);
    expect(ch.balance).toBe(0);
  });

  it('TaskletExit is swallowed; kill runs finally blocks', () => {
    const ch = new S.channel();
    const log = [];
    const t = new S.tasklet(function* () {
      try { yield ch.receive_nr(); } finally { log.push('finally'); }
    }).setup();
    S.run();
    expect(t.blocked).toBe(true);
    expect(t.alive).toBe(true);
    t.kill();
    expect(log).toEqual(['finally']);
    expect(t.alive).toBe(false);
    expect(t.blocked).toBe(false);
    expect(ch.balance).toBe(0);
  });

  it("kill() raises a TaskletExit without a JS stack (control flow), leaving stackTraceLimit alone", () => {
    const ch = new S.channel();
    let caught;
    const t = new S.tasklet(function* () {
      try { yield ch.receive_nr(); } catch (e) { caught = e; throw e; }
    }).setup();
    S.run();
    const limit = Error.stackTraceLimit;
    t.kill();
    expect(Error.stackTraceLimit).toBe(limit);
    expect(caught).toBeInstanceOf(S.TaskletExit);
    expect(caught).toBeInstanceOf(S.SystemExit);
    expect(caught).toBeInstanceOf(Error);
    expect(caught.stack).toMatch(/^TaskletExit/);
    expect(caught.stack).not.toMatch(/\n\s+at /);
    expect(new S.TaskletExit().stack).toMatch(/^TaskletExit.*\n\s+at /);   // made by the user: as any error
  });

  it('_channel: the channel a tasklet is blocked on (sender, receiver, main), else undefined', () => {
    const a = new S.channel(), b = new S.channel(), c = new S.channel();
    const r = new S.tasklet(function* () { yield a.receive_nr(); }).setup();
    const s = new S.tasklet(function* () { yield b.send_nr(1); }).setup();
    expect(r._channel).toBe(undefined);   // runnable
    S.run();
    expect(r._channel).toBe(a);
    expect(s._channel).toBe(b);
    let seen;
    new S.tasklet(function* () { seen = S.getmain()._channel; yield c.send_nr('y'); }).setup();
    expect(c.receive()).toBe('y');   // main waits on c while that tasklet looks
    expect(seen).toBe(c);
    expect(S.getmain()._channel).toBe(undefined);
    a.send('x');
    expect(r._channel).toBe(undefined);
    expect(r.alive).toBe(false);
    expect(b.receive()).toBe(1);
    expect(s._channel).toBe(undefined);   // runnable again
    S.run();
  });

  it('a generator tasklet runs in the async context of the code driving the scheduler (README)', () => {
    const als = new AsyncLocalStorage();
    const ch = new S.channel();
    const seen = [];
    als.run('creator', () => new S.tasklet(function* () {
      seen.push(als.getStore());
      yield ch.receive_nr();
      seen.push(als.getStore());
    }).setup());
    als.run('runner', () => S.run());
    als.run('sender', () => ch.send(1));
    expect(seen).toEqual(['runner', 'sender']);
  });

  it('throw() raises inside the target, which may catch it', () => {
    const ch = new S.channel();
    const log = [];
    const t = new S.tasklet(function* () {
      try { yield ch.receive_nr(); } catch (e) { log.push(`${e.constructor.name}: ${e.message}`); }
    }).setup();
    S.run();
    t.throw(S.RuntimeError, 'stop');
    expect(log).toEqual(['RuntimeError: stop']);
    expect(() => t.raise_exception(S.ValueError, 'x')).toThrow('You cannot throw to a dead tasklet');
    t.raise_exception(S.TaskletExit);   // TaskletExit to a dead tasklet: no-op
  });

  it('throw() to a dead tasklet, and argument checks', () => {
    const t = new S.tasklet(function* () {});
    expect(() => t.throw(S.ValueError)).toThrow('You cannot throw to a dead tasklet');
    expect(() => t.throw(new S.ValueError(), 1)).toThrow('instance exception may not have a separate value');
    expect(() => t.throw(5)).toThrow(TypeError);
    expect(() => t.raise_exception()).toThrow('raise_exception() takes at least 1 argument');
    expect(() => t.raise_exception(42)).toThrow('tasklet.raise_exception needs Exception or string subclass as first parameter');
    t.kill();   // not alive: no-op
  });

  it('send_exception makes the receiver throw', () => {
    const ch = new S.channel();
    const got = [];
    new S.tasklet(function* () {
      try { yield ch.receive_nr(); } catch (e) { got.push(e); }
    }).setup();
    S.run();
    ch.send_exception(S.ValueError, 'bad', 2);
    expect(got[0]).toBeInstanceOf(S.ValueError);
    expect(got[0].args).toEqual(['bad', 2]);
    expect(() => ch.send_exception()).toThrow('send_exception() takes at least 1 argument');
  });

  it('a plain-function tasklet on the scheduler\'s stack ({ hard: false }) that tries to block gets RuntimeError', () => {
    const ch = new S.channel();
    new S.tasklet(() => { ch.receive(); }, null, null, { hard: false }).setup();
    let err;
    try { S.run(); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(S.RuntimeError);
    expect(err.message).toMatch(/cannot block/);
    expect(err.message).toMatch(S.hard_available ? /hard: false/ : /hard tasklets are not available/);
    expect(ch.balance).toBe(0);
  });

  it('a generator that blocks without _nr gets RuntimeError', () => {
    const ch = new S.channel();
    const got = [];
    new S.tasklet(function* () {
      try { ch.receive(); } catch (e) { got.push(e.constructor.name); }
      yield S.schedule_nr();
    }).setup();
    S.run();
    expect(got).toEqual(['RuntimeError']);
  });

  it('the class hierarchy mirrors Python', () => {
    expect(new S.TaskletExit()).toBeInstanceOf(S.SystemExit);
    expect(new S.SystemExit()).toBeInstanceOf(S.BaseException);
    expect(new S.SystemExit()).not.toBeInstanceOf(S.Exception);
    expect(new S.RuntimeError('x')).toBeInstanceOf(S.Exception);
    expect(new S.OverflowError()).toBeInstanceOf(S.Exception);
    expect(new S.RuntimeError('x').name).toBe('RuntimeError');
  });
});

describe('tasklet state and attributes', () => {
  it('tracks states through a lifecycle', () => {
    const ch = new S.channel();
    const t = new S.tasklet(function* () { yield ch.receive_nr(); });
    expect([t.alive, t.scheduled, t.paused]).toEqual([false, false, false]);
    t.setup();
    expect([t.alive, t.scheduled, t.paused, t.blocked]).toEqual([true, true, false, false]);
    t.remove();
    expect([t.alive, t.scheduled, t.paused]).toEqual([true, false, true]);
    t.insert();
    S.run();
    expect([t.alive, t.blocked, t.scheduled, t.is_current]).toEqual([true, true, true, false]);
    expect(ch.queue).toBe(t);
    ch.send(0);
    expect(t.alive).toBe(false);
    expect(S.getmain().is_main).toBe(true);
    expect(S.getmain().is_current).toBe(true);
    expect(S.current).toBe(S.main);
    expect(t.nesting_level).toBe(0);
  });

  it('getcurrent inside a tasklet, next/prev in the run queue', () => {
    let inside;
    const a = new S.tasklet(function* () { inside = S.getcurrent(); }).setup();
    const b = new S.tasklet(function* () {}).setup();
    expect(S.main.next).toBe(a);
    expect(a.next).toBe(b);
    expect(b.next).toBe(S.main);
    expect(a.prev).toBe(S.main);
    expect(S.runcount).toBe(3);
    S.run();
    expect(inside).toBe(a);
  });

  it('schedule_remove + tempval + insert: custom blocking', () => {
    let waiter;
    const got = [];
    waiter = new S.tasklet(function* () { got.push(yield S.schedule_remove_nr('dflt')); }).setup();
    S.run();
    expect(waiter.paused).toBe(true);
    expect(waiter.tempval).toBe('dflt');
    waiter.tempval = 'woken';
    waiter.insert();
    S.run();
    expect(got).toEqual(['woken']);
  });

  it('run() and switch() of a tasklet from main', () => {
    const log = [];
    const a = new S.tasklet(function* () { log.push('a'); }).setup();
    const b = new S.tasklet(function* () { log.push('b'); }).setup();
    b.run();   // b runs now; a, between main and b, only after the round wraps around
    expect(log).toEqual(['b']);
    S.run();
    expect(log).toEqual(['b', 'a']);
    const c = new S.tasklet(function* () { log.push('c'); }).setup();
    c.remove();
    expect(() => new S.tasklet().insert()).toThrow('You cannot run an unbound(dead) tasklet');
    c.switch();
    expect(log).toEqual(['b', 'a', 'c']);
    expect(a.alive || b.alive || c.alive).toBe(false);
  });

  it('block_trap and bind checks', () => {
    const ch = new S.channel();
    const got = [];
    const t = new S.tasklet(function* () {
      try { yield ch.receive_nr(); } catch (e) { got.push(e.message); }
    });
    t.block_trap = true;
    t.setup();
    S.run();
    expect(got).toEqual(['this tasklet does not like to be blocked.']);
    expect(() => new S.tasklet(5)).toThrow('tasklet function must be a callable or None');
    expect(() => new S.tasklet(function* () {}, 5)).toThrow('tasklet args must be a tuple or None');
    expect(() => S.main.bind(undefined)).toThrow("can't (re)bind the current tasklet");
  });

  it('channel close, closed and iteration', () => {
    const ch = new S.channel();
    for (const x of [1, 2, 3]) new S.tasklet(function* () { yield ch.send_nr(x); }).setup();
    S.run();   // three blocked senders
    ch.close();
    expect(ch.closing).toBe(true);
    expect(ch.closed).toBe(false);
    const got = [];
    for (const v of ch) got.push(v);
    expect(got).toEqual([1, 2, 3]);
    expect(ch.closing).toBe(true);
    expect(ch.closed).toBe(true);
    expect(() => ch.receive()).toThrow('Send/receive operation on a closed channel');
    ch.open();
    expect(ch.closed).toBe(false);
    expect(() => { ch.preference = 'x'; }).toThrow('preference must be set to an integer');
    S.run();   // the senders finish
  });
});

describe('many tasklets', () => {
  it('100,000 generator tasklets blocked and released', () => {
    const N = 100000;
    const ch = new S.channel();
    const sink = { sum: 0, blocked: 0 };
    function* blocker() {
      sink.blocked++;
      const v = yield ch.receive_nr();   // not `sum += yield`: that reads sum before blocking
      sink.sum += v;
    }
    for (let i = 0; i < N; i++) new S.tasklet(blocker).setup();
    S.run();
    expect(sink.blocked).toBe(N);
    expect(ch.balance).toBe(-N);
    gc();
    new S.tasklet(function* () { for (let i = 0; i < N; i++) yield ch.send_nr(1); }).setup();
    S.run();
    expect(sink.sum).toBe(N);
    expect(ch.balance).toBe(0);
    gc();
  });

  it('blocked tasklets that nothing reaches any more are collected with their channel (on the JS engine)', () => {
    // API.md 2.2 __del__: soft-switched tasklets are released without running their finally
    // clauses. The core keeps them until they are killed (a difference of the core).
    const script = `
      const S = require(${JSON.stringify(dist)});
      let ref;
      (function () {
        const ch = new S.channel();
        for (let i = 0; i < 1000; i++) new S.tasklet(function* () { try { yield ch.receive_nr(); } finally { console.log('finally ran'); } }).setup();
        S.run();
        ref = new WeakRef(ch.queue);
      })();
      setTimeout(() => { gc(); setTimeout(() => { gc(); console.log(ref.deref() === undefined ? 'collected' : 'kept'); }, 10); }, 10);`;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(process.env.STACKLESS_ENGINE === 'core' ? 'kept' : 'collected');
  });

  it('spawn and finish in batches', () => {
    let n = 0;
    for (let b = 0; b < 20; b++) {
      for (let i = 0; i < 1000; i++) new S.tasklet(function* () { n++; }).setup();
      S.run();
      gc();
    }
    expect(n).toBe(20000);
  });
});

// Everything above runs on the JS engine (lib/engine.ts); the tests below need the core, and the
// thread hands over at the first of them.
checkEngineSoFar();

describe('plain-function tasklets are hard tasklets (on the core)', () => {
  it('tasklet args and plain-function tasklets', () => {
    const log = [];
    new S.tasklet((a, b) => log.push(a + b)).setup(2, 3);
    new S.tasklet(function* (x) { log.push(x); }, [9]).insert();
    S.run();
    expect(log).toEqual([5, 9]);
  });
});
