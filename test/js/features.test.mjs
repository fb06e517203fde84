// Callbacks, the watchdog for generator tasklets, switching controls, bomb and introspection
// (API.md 1.3, 5.2, 5.6-5.9, 6, 9.2-9.3; NODE.md 3.4-3.5, 4).
// Run twice by `npm run test:js`: plainly, and under node --expose-gc with gc() between steps.
import { describe, it, expect, afterEach } from 'vitest';
import { createRequire } from 'module';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { fileURLToPath } from 'url';
import { checkEngineSoFar } from './support.mjs';

const require = createRequire(import.meta.url);
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/index.js');
const S = require(dist);

const gc = () => {
  if (process.env.STACKLESS_GC) {
    if (typeof global.gc !== 'function') throw new Error('STACKLESS_GC=1 needs node --expose-gc');
    global.gc();
  }
};

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const spin = (us) => {
  const t0 = nowUs();
  while (nowUs() - t0 < us);
};

afterEach(() => {
  gc();
  expect(S.get_schedule_callback()).toBe(undefined);
  expect(S.get_channel_callback()).toBe(undefined);
  expect(S.switch_trap(0)).toBe(0);
  // every test leaves the scheduler empty: only main is runnable
  expect(S.getruncount()).toBe(1);
  expect(S.getcurrent()).toBe(S.getmain());
});

// Runs body with the callback installed, removes it whatever happens.
function withCallback(setter, cb, body) {
  setter(cb);
  try {
    return body();
  } finally {
    setter(undefined);
  }
}

describe('schedule and channel callbacks', () => {
  it('set returns the previous callback, get returns the current one, undefined/null remove it', () => {
    const f = () => {}, g = () => {};
    expect(S.get_schedule_callback()).toBe(undefined);
    expect(S.set_schedule_callback(f)).toBe(undefined);
    expect(S.get_schedule_callback()).toBe(f);
    expect(S.set_schedule_callback(g)).toBe(f);
    expect(S.set_schedule_callback(null)).toBe(g);
    expect(S.get_schedule_callback()).toBe(undefined);

    expect(S.get_channel_callback()).toBe(undefined);
    expect(S.set_channel_callback(g)).toBe(undefined);
    expect(S.get_channel_callback()).toBe(g);
    expect(S.set_channel_callback(undefined)).toBe(g);
    expect(S.get_channel_callback()).toBe(undefined);
  });

  it('a callback that is not callable is a TypeError, and changes nothing', () => {
    const f = () => {};
    S.set_schedule_callback(f);
    try {
      expect(() => S.set_schedule_callback(5)).toThrow(TypeError);
      expect(() => S.set_schedule_callback({})).toThrow('schedule callback must be callable');
      expect(S.get_schedule_callback()).toBe(f);
    } finally {
      S.set_schedule_callback(undefined);
    }
    expect(() => S.set_channel_callback('x')).toThrow(TypeError);
    expect(() => S.set_channel_callback(42)).toThrow('channel callback must be callable');
    expect(S.get_channel_callback()).toBe(undefined);
    expect(() => S.set_schedule_callback()).toThrow(TypeError);
  });

  it('the schedule callback sees every switch as (prev, next), never a switch to self', () => {
    const seen = [];
    const names = new Map();
    const name = (t) => (t === undefined ? 'None' : names.get(t) ?? '?');
    names.set(S.getmain(), 'main');
    const a = new S.tasklet(function* () { yield S.schedule_nr(); });
    const b = new S.tasklet(function* () { yield S.schedule_nr(); });
    names.set(a, 'a');
    names.set(b, 'b');
    withCallback(S.set_schedule_callback, (prev, next) => seen.push(`${name(prev)}>${name(next)}`), () => {
      S.schedule();   // alone: no switch, no call
      a.setup();
      b.setup();
      gc();
      S.run();
    });
    expect(seen).toEqual(['main>a', 'a>b', 'b>a', 'a>b', 'b>main']);
  });

  it('the channel callback gets (channel, tasklet, sending, willblock) with numeric flags', () => {
    const ch = new S.channel();
    const seen = [];
    const r = new S.tasklet(function* () { return yield ch.receive_nr(); });
    withCallback(S.set_channel_callback, (c, t, sending, willblock) => {
      seen.push([c === ch, t === S.getmain() ? 'main' : t === r ? 'r' : '?', sending, willblock]);
      // during the call the caller's tempval holds the value being sent
      if (sending === 1) seen.push(t.tempval);
    }, () => {
      r.setup();
      S.run();            // r blocks
      ch.send('v');       // main hands over
    });
    expect(seen).toEqual([[true, 'r', 0, 1], [true, 'main', 1, 0], 'v']);
  });

  it('callbacks must not switch or use channels: RuntimeError inside the callback', () => {
    const ch = new S.channel();
    const errors = [];
    withCallback(S.set_schedule_callback, () => {
      try { S.schedule(); } catch (e) { errors.push(`${e.name}: ${e.message}`); }
      try { ch.send_nr(1); } catch (e) { errors.push(`${e.name}: ${e.message}`); }
    }, () => {
      new S.tasklet(function* () {}).setup();
      S.run();
    });
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors[0]).toBe('RuntimeError: Recursive scheduler call due to callbacks!');
    expect(errors[1]).toBe('RuntimeError: Recursive channel call due to callbacks!');
  });

  it('an exception thrown by a callback is ignored: the switch proceeds', () => {
    const log = [];
    withCallback(S.set_schedule_callback, () => { throw new Error('callback fails'); }, () => {
      new S.tasklet(function* () { log.push('ran'); yield S.schedule_nr(); log.push('again'); }).setup();
      expect(S.run()).toBe(undefined);
    });
    expect(log).toEqual(['ran', 'again']);
  });

  it('an exception thrown by a callback is reported on stderr', () => {
    const script = `
      const S = require(${JSON.stringify(dist)});
      S.set_schedule_callback(() => { throw new Error('boom from the callback'); });
      S.set_channel_callback(() => { throw new RangeError('channel callback fails'); });
      const ch = new S.channel();
      new S.tasklet(function* () { yield ch.send_nr(7); }).setup();
      const v = ch.receive();
      S.set_schedule_callback(undefined);
      S.set_channel_callback(undefined);
      process.stdout.write('received ' + v);
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('received 7');
    expect(r.stderr).toContain('Error in scheduling callback');
    expect(r.stderr).toContain('boom from the callback');
    expect(r.stderr).toContain('Error in channel callback');
    expect(r.stderr).toContain('channel callback fails');
  });

});

describe('error handler', () => {
  it('is called as handler(type, value, undefined) with the dying tasklet current; returning handles it', () => {
    class MyError extends Error {}
    const calls = [];
    const t = new S.tasklet(function* () { yield S.schedule_nr(); throw new MyError('lost'); });
    expect(S.set_error_handler((type, value, tb) => {
      calls.push({ type, value, tb, current: S.getcurrent() });
    })).toBe(undefined);
    try {
      t.setup();
      expect(S.run()).toBe(undefined);
    } finally {
      S.set_error_handler(undefined);
    }
    expect(calls.length).toBe(1);
    expect(calls[0].type).toBe(MyError);
    expect(calls[0].value).toBeInstanceOf(MyError);
    expect(calls[0].value.message).toBe('lost');
    expect(calls[0].tb).toBe(undefined);
    expect(calls[0].current).toBe(t);
    expect(t.alive).toBe(false);
  });

  it('what the handler throws goes to the run() caller; set returns the previous handler', () => {
    const h1 = () => { throw new S.ValueError('from the handler'); };
    const h2 = () => {};
    S.set_error_handler(h1);
    try {
      new S.tasklet(function* () { throw new Error('original'); }).setup();
      expect(() => S.run()).toThrow(S.ValueError);
      expect(S.set_error_handler(h2)).toBe(h1);
    } finally {
      expect(S.set_error_handler()).toBe(h2);
    }
    // default again: the exception itself reaches run()
    new S.tasklet(function* () { throw new Error('original'); }).setup();
    expect(() => S.run()).toThrow('original');
  });

  it('is not called for TaskletExit; a handler that is not callable fails like a throwing one', () => {
    let called = 0;
    S.set_error_handler(() => { called++; });
    try {
      const t = new S.tasklet(function* () { yield S.schedule_remove_nr(); });
      t.setup();
      S.run();
      t.kill();
      expect(called).toBe(0);
    } finally {
      S.set_error_handler(undefined);
    }
    S.set_error_handler(5);   // no check at set time
    try {
      new S.tasklet(function* () { throw new Error('x'); }).setup();
      expect(() => S.run()).toThrow(TypeError);
    } finally {
      S.set_error_handler(undefined);
    }
  });
});

describe('watchdog: run(timeout) with generator tasklets', () => {
  it('interrupts a generator at a yield and returns it; after insert() it continues intact', () => {
    let n = 0, bad = 0;
    const t = new S.tasklet(function* () {
      for (let i = 1; ; i++) {
        n = i;
        const v = yield i;          // not the token: resumes at once, with the same value
        if (v !== i) bad++;
      }
    });
    t.setup();
    const t0 = nowUs();
    const r = S.run(1000);
    const took = nowUs() - t0;
    expect(r).toBe(t);
    expect(took).toBeGreaterThanOrEqual(900);
    expect(t.alive).toBe(true);
    expect(t.paused).toBe(true);
    expect(t.scheduled).toBe(false);
    expect(S.getruncount()).toBe(1);
    const n1 = n;
    expect(n1).toBeGreaterThan(0);
    gc();
    t.insert();
    expect(S.run(1000)).toBe(t);
    expect(n).toBeGreaterThan(n1);
    expect(bad).toBe(0);
    t.kill();
    expect(t.alive).toBe(false);
  });

  it('three busy generators make fair progress, round robin', () => {
    const counts = [0, 0, 0];
    const ts = counts.map((_, k) => new S.tasklet(function* () { for (;;) { counts[k]++; yield k; } }).setup());
    const order = [];
    for (let round = 0; round < 9; round++) {
      const v = S.run(1000);
      order.push(ts.indexOf(v));
      v.insert();
    }
    expect(order).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    for (const c of counts) expect(c).toBeGreaterThan(0);
    for (const t of ts) t.remove();   // (a kill runs the tasklet, and then the queue would run on)
    for (const t of ts) t.kill();
  });

  it('run() without a timeout does not interrupt; tasklets that switch often are not interrupted', () => {
    let iters = 0;
    const work = function* () {
      for (let i = 0; i < 300; i++) {
        spin(20);
        iters++;
        yield i;                    // an interruption point ...
        yield S.schedule_nr();      // ... and a switch, which restarts the time slice
      }
    };
    new S.tasklet(work).setup();
    new S.tasklet(work).setup();
    expect(S.run(50000)).toBe(undefined);   // no slice gets near 50 ms
    expect(iters).toBe(600);
  });

  it('totaltimeout counts the whole run()', () => {
    let iters = 0;
    const work = function* () {
      for (;;) {
        spin(20);
        iters++;
        yield 0;
        yield S.schedule_nr();
      }
    };
    const a = new S.tasklet(work).setup(), b = new S.tasklet(work).setup();
    const t0 = nowUs();
    const r = S.run(5000, false, false, false, true);
    expect(nowUs() - t0).toBeGreaterThanOrEqual(4900);
    expect([a, b]).toContain(r);
    expect(r.paused).toBe(true);
    const other = r === a ? b : a;
    expect(other.scheduled).toBe(true);
    a.kill();
    b.kill();
  });

  it('totaltimeout returns even when the tasklets only ever yield switching calls', () => {
    // a channel ping-pong that never yields anything else: no yield is polled, so the budget
    // is enforced at the switches; the victim is the tasklet about to run, unresumed
    const ch = new S.channel();
    const got = [];
    const a = new S.tasklet(function* ping() { for (let i = 0; ; i++) { spin(5); yield ch.send_nr(i); } }).setup();
    const b = new S.tasklet(function* pong() { for (;;) { got.push(yield ch.receive_nr()); } }).setup();
    const t0 = nowUs();
    const r = S.run(3000, { totaltimeout: true });
    expect(nowUs() - t0).toBeGreaterThanOrEqual(2900);
    // (a deferred interrupt at a channel call once restarted the budget: seconds, not 3 ms)
    expect(nowUs() - t0).toBeLessThan(2e6);
    expect([a, b]).toContain(r);
    expect(r.paused).toBe(true);
    const n = got.length;
    expect(n).toBeGreaterThan(10);
    // nothing lost: resumed, it goes on with the value it was about to get
    r.insert();
    expect(S.run(3000, { totaltimeout: true })).not.toBe(undefined);
    expect(got.slice(0, n + 5)).toEqual([...Array(n + 5).keys()].slice(0, Math.min(got.length, n + 5)));
    // soft mode: run() returns undefined and both stay where they were
    for (const t of [a, b]) if (t.paused) t.insert();
    expect(S.run(2000, { totaltimeout: true, soft: true })).toBe(undefined);
    expect(a.alive && b.alive).toBe(true);
    expect(a.paused || b.paused).toBe(false);
    a.kill();
    b.kill();
  });

  it('soft mode: run() returns undefined at the next switch, every tasklet stays scheduled', () => {
    const log = [];
    const t = new S.tasklet(function* () {
      const t0 = nowUs();
      while (nowUs() - t0 < 5000) yield 1;   // not interrupted in soft mode
      log.push('t switches');
      yield S.schedule_nr();
      log.push('t again');
    }).setup();
    const u = new S.tasklet(function* () { log.push('u runs'); }).setup();
    expect(S.run(1000, { soft: true })).toBe(undefined);
    expect(log).toEqual(['t switches']);
    expect(t.scheduled).toBe(true);
    expect(u.scheduled).toBe(true);
    expect(S.getruncount()).toBe(3);
    expect(S.run()).toBe(undefined);
    expect(log.sort()).toEqual(['t again', 't switches', 'u runs']);
  });

  it('the positional soft flag and the options object agree', () => {
    const t = new S.tasklet(function* () {
      const t0 = nowUs();
      while (nowUs() - t0 < 3000) yield 1;
      yield S.schedule_nr();
    }).setup();
    new S.tasklet(function* () {}).setup();
    expect(S.run(1000, false, true)).toBe(undefined);
    expect(t.alive).toBe(true);
    S.run();
    expect(t.alive).toBe(false);
  });

  it('an atomic tasklet is not interrupted (set_atomic); pending_irq shows the deferred interrupt', () => {
    let phase = 0, n = 0, pendingBefore, pendingAfter, depth;
    const t = new S.tasklet(function* () {
      const me = S.getcurrent();
      expect(me.set_atomic(1)).toBe(false);
      const t0 = nowUs();
      while (nowUs() - t0 < 5000) { n++; yield 1; }
      phase = 1;
      pendingBefore = me.pending_irq;
      depth = me.recursion_depth;
      me.set_atomic(0);   // the postponed interrupt comes at the next yield
      pendingAfter = me.pending_irq;
      for (;;) { phase = 2; yield 2; }
    }).setup();
    expect(t.pending_irq).toBe(false);
    expect(S.run(1000)).toBe(t);
    expect(phase).toBe(2);
    expect(n).toBeGreaterThan(1);
    expect(t.atomic).toBe(false);
    expect(pendingBefore).toBe(true);
    expect(pendingAfter).toBe(true);   // re-armed when atomic is cleared; fires at the yield
    expect(t.pending_irq).toBe(false);
    expect(depth).toBe(0);
    t.kill();
  });

  it('an atomic tasklet is not interrupted (stackless.atomic with a generator body)', () => {
    let phase = 0;
    const t = new S.tasklet(function* () {
      const r = yield* S.atomic(function* () {
        expect(S.getcurrent().atomic).toBe(true);
        const t0 = nowUs();
        while (nowUs() - t0 < 5000) yield 1;
        return 'done';
      });
      expect(r).toBe('done');
      expect(S.getcurrent().atomic).toBe(false);
      phase = 1;
      for (;;) yield 2;
    }).setup();
    expect(S.run(1000)).toBe(t);
    expect(phase).toBe(1);
    t.kill();
    // with a plain function: the flag is set during the call and restored after it
    expect(S.atomic(() => S.getcurrent().atomic)).toBe(true);
    expect(S.getcurrent().atomic).toBe(false);
  });

  it('switch_trap postpones an interrupt', () => {
    let trapped = 0;
    const t = new S.tasklet(function* () {
      S.switch_trap(1);
      const t0 = nowUs();
      while (nowUs() - t0 < 3000) { trapped++; yield 1; }
      S.switch_trap(-1);
      for (;;) yield 2;
    }).setup();
    expect(S.run(1000)).toBe(t);
    expect(trapped).toBeGreaterThan(1);
    t.kill();
  });

  it('a generator can be the watchdog: yield run_nr(timeout) returns the interrupted tasklet', () => {
    const spinner = new S.tasklet(function* () { for (;;) yield 1; });
    let got;
    new S.tasklet(function* () {
      spinner.setup();
      got = yield S.run_nr(1000);
    }).setup();
    expect(S.run()).toBe(undefined);
    expect(got).toBe(spinner);
    expect(spinner.paused).toBe(true);
    spinner.kill();
  });

  it('main is interrupted too when a generator owns the timeout (inside a C-API call)', () => {
    let got;
    const log = [];
    new S.tasklet(function* () {
      got = yield S.run_nr(1000);
      log.push('watchdog resumed');
    }).setup();
    S.schedule();   // the tasklet runs and calls run_nr(): main is next in the queue
    log.push('main runs');
    spin(3000);
    S.getmain().set_atomic(0);   // an interruption point: main is paused, the watchdog resumes
    log.push('main resumed');
    expect(got).toBe(S.getmain());
    expect(log).toEqual(['main runs', 'watchdog resumed', 'main resumed']);
  });

  it('the schedule callback sees the interrupt as a switch from the victim to the watchdog', () => {
    const seen = [];
    const t = new S.tasklet(function* () { for (;;) yield 1; });
    withCallback(S.set_schedule_callback, (prev, next) => seen.push([prev, next]), () => {
      t.setup();
      expect(S.run(1000)).toBe(t);
    });
    expect(seen).toEqual([[S.getmain(), t], [t, S.getmain()]]);
    t.kill();
  });

  it('run() arguments: numbers or booleans', () => {
    expect(() => S.run('x')).toThrow(TypeError);
    expect(() => S.run(0, 'y')).toThrow("run_watchdog() argument 'threadblock' must be int, not string");
    expect(S.run(0, true, 1, 0, false)).toBe(undefined);
    expect(S.run(1000, { soft: true, totaltimeout: true })).toBe(undefined);
  });
});

describe('switch_trap, block_trap, enable_softswitch', () => {
  it('switch_trap(change) returns the previous level; trapped switches raise RuntimeError', () => {
    const ch = new S.channel();
    const t = new S.tasklet(function* () { yield ch.receive_nr(); }).setup();
    expect(S.switch_trap(1)).toBe(0);
    try {
      expect(S.switch_trap()).toBe(1);
      expect(S.switch_trap(1)).toBe(1);
      expect(S.switch_trap(-1)).toBe(2);
      expect(() => S.schedule()).toThrow(new S.RuntimeError('switch_trap'));
      expect(() => S.run()).toThrow('switch_trap');
      expect(() => t.run()).toThrow('switch_trap');
      expect(() => t.switch()).toThrow('switch_trap');
      expect(() => ch.receive()).toThrow('switch_trap');
      // not trapped: insert/remove, pending throws
      t.remove();
      t.insert();
      expect(t.scheduled).toBe(true);
    } finally {
      expect(S.switch_trap(-1)).toBe(1);
    }
    S.run();   // t blocks on ch
    expect(t.blocked).toBe(true);
    S.switch_trap(1);
    try {
      expect(() => ch.send(1)).toThrow('switch_trap');   // would switch to the receiver
      t.kill(true);   // pending: not trapped
    } finally {
      S.switch_trap(-1);
    }
    S.run();
    expect(t.alive).toBe(false);
    expect(() => S.switch_trap('1')).toThrow(TypeError);
  });

  it('switch_trap inside a generator tasklet', () => {
    const log = [];
    new S.tasklet(function* () {
      S.switch_trap(1);
      try {
        yield S.schedule_nr();
      } catch (e) {
        log.push(e.message);
      }
      S.switch_trap(-1);
      yield S.schedule_nr();
      log.push('switched');
    }).setup();
    new S.tasklet(function* () {}).setup();
    S.run();
    expect(log).toEqual(['switch_trap', 'switched']);
  });

  it('block_trap: a channel operation that would block raises RuntimeError', () => {
    const ch = new S.channel();
    const log = [];
    let trapped;
    const t = new S.tasklet(function* () {
      S.getcurrent().block_trap = true;
      try {
        yield ch.receive_nr();
      } catch (e) {
        log.push(`${e.name}: ${e.message}`);
      }
      new S.tasklet(function* () { yield ch.send_nr(5); }).setup();
      yield S.schedule_nr();                  // the sender runs and blocks
      trapped = S.getcurrent().block_trap;
      log.push(`${yield ch.receive_nr()}`);   // a sender waits: no block
    });
    t.setup();
    S.run();
    expect(log).toEqual(['RuntimeError: this tasklet does not like to be blocked.', '5']);
    expect(trapped).toBe(true);
    const m = S.getmain();
    m.block_trap = 1;
    try {
      expect(() => ch.receive()).toThrow('this tasklet does not like to be blocked.');
    } finally {
      m.block_trap = false;
    }
    expect(() => { m.block_trap = 'yes'; }).toThrow('block_trap must be set to a bool or integer');
  });

  it('enable_softswitch: true for undefined; a flag is accepted, returns the previous setting', () => {
    expect(S.enable_softswitch(undefined)).toBe(true);
    expect(S.enable_softswitch(null)).toBe(true);
    expect(S.enable_softswitch(false)).toBe(true);
    expect(S.enable_softswitch(undefined)).toBe(true);   // generator tasklets always soft-switch
    try {
      const ch = new S.channel();
      const t = new S.tasklet(function* () { yield ch.send_nr(1); }).setup();
      expect(ch.receive()).toBe(1);
      S.run();
      expect(t.alive).toBe(false);
    } finally {
      expect(S.enable_softswitch(true)).toBe(false);
    }
    expect(S.enable_softswitch(1)).toBe(true);
  });
});

describe('bomb', () => {
  it('holds type, value, traceback (read-only); a single array is unpacked', () => {
    const b = new S.bomb(S.ValueError, 'v');
    expect(b.type).toBe(S.ValueError);
    expect(b.value).toBe('v');
    expect(b.traceback).toBe(undefined);
    expect(() => { b.type = 1; }).toThrow(TypeError);
    const c = new S.bomb([S.RuntimeError, ['a', 'b'], undefined]);
    expect(c.type).toBe(S.RuntimeError);
    expect(c.value).toEqual(['a', 'b']);
    const d = new S.bomb();
    expect(d.type).toBe(undefined);
    expect(d.value).toBe(undefined);
    expect(() => { class X extends S.bomb {} return new X(); }).toThrow(TypeError);
  });

  it('a bomb sent on a channel explodes in the receiver', () => {
    const ch = new S.channel();
    const got = [];
    new S.tasklet(function* () {
      try {
        yield ch.receive_nr();
      } catch (e) {
        got.push(e);
      }
    }).setup();
    S.run();
    ch.send(new S.bomb(S.ValueError, 'sent'));
    expect(got.length).toBe(1);
    expect(got[0]).toBeInstanceOf(S.ValueError);
    expect(got[0].message).toBe('sent');
    // generator -> main, the instance itself
    const err = new Error('the instance');
    new S.tasklet(function* () { yield ch.send_nr(new S.bomb(Error, err)); }).setup();
    expect(() => ch.receive()).toThrow(err);
    S.run();   // the sender ends
  });

  it('a bomb as tempval explodes when the tasklet resumes; schedule(bomb) raises', () => {
    const got = [];
    const t = new S.tasklet(function* () {
      try {
        yield S.schedule_remove_nr();
      } catch (e) {
        got.push(`${e.name}: ${e.message}`);
      }
    });
    t.setup();
    S.run();
    t.tempval = new S.bomb(S.RuntimeError, ['x', 1]);
    const tv = t.tempval;
    expect(tv).toBeInstanceOf(S.bomb);
    expect(tv.type).toBe(S.RuntimeError);
    expect(tv.value).toBeInstanceOf(S.RuntimeError);
    t.insert();
    S.run();
    expect(got).toEqual(["RuntimeError: ('x', 1)"]);
    expect(() => S.schedule(new S.bomb(S.ValueError, 'self'))).toThrow('self');
    expect(() => S.schedule_remove(new S.bomb(S.ValueError, 'self'))).toThrow(S.ValueError);
  });

});

describe('introspection', () => {
  it('getcurrentid: the thread id in main, the serial number in a tasklet', () => {
    const tid = S.getthreads()[0];
    expect(typeof tid).toBe('number');
    expect(S.getcurrentid()).toBe(tid);
    let inside, id;
    const t = new S.tasklet(function* () { inside = S.getcurrentid(); id = S.getcurrent().id; });
    t.setup();
    S.run();
    expect(inside).toBe(id);
    expect(inside).not.toBe(tid);
    expect(S.getmain().thread_id).toBe(tid);
    expect(t.thread_id).toBe(tid);   // ended, still of this thread
  });

  it('threads / getthreads, debug / getdebug', () => {
    expect(S.threads).toEqual(S.getthreads());
    expect(S.getthreads().length).toBe(1);
    expect(S.debug).toBe(S.getdebug());
    expect(typeof S.debug).toBe('boolean');
  });

  it('get_thread_info: [main, current, runcount]; argument errors', () => {
    const [m, c, n] = S.get_thread_info();
    expect(m).toBe(S.getmain());
    expect(c).toBe(S.getmain());
    expect(n).toBe(1);
    expect(S.get_thread_info(S.getthreads()[0])).toEqual([m, c, n]);
    let inside;
    const t = new S.tasklet(function* () { inside = S.get_thread_info(-1); });
    t.setup();
    new S.tasklet(function* () {}).setup();
    S.run();
    expect(inside[0]).toBe(S.getmain());
    expect(inside[1]).toBe(t);
    expect(inside[2]).toBe(2);   // t and the other one (main is inside run())
    expect(() => S.get_thread_info('1')).toThrow(TypeError);
    expect(() => S.get_thread_info(-2)).toThrow(S.OverflowError);
    expect(() => S.get_thread_info(12345)).toThrow(new S.RuntimeError('Thread id not found'));
  });

});

// Everything above runs on the JS engine (lib/engine.ts); the tests below need the core, and the
// thread hands over at the first of them.
checkEngineSoFar();

describe('with native tasklets (on the core)', () => {
  it('callbacks caused by native tasklets run on the thread stack and see them as tasklets', () => {
    const seen = [];
    let nt;
    const g = new S.tasklet(function* () { for (let i = 0; i < 3; i++) yield S.schedule_nr(); });
    withCallback(S.set_schedule_callback, (prev, next) => {
      seen.push([prev, next]);
      if (prev === nt) seen.push(['alive', prev.alive]);
    }, () => {
      nt = S._internal.nativeTasklet(0, undefined, 3);   // schedule() 3 times, in C
      g.setup();
      gc();
      S.run();
    });
    expect(nt).toBeInstanceOf(S.tasklet);
    expect(nt.alive).toBe(false);
    expect(seen.filter((x) => x[0] === nt).length).toBe(4);   // 3 schedules and its end
    expect(seen.filter((x) => x[1] === nt).length).toBe(4);
    expect(seen[0]).toEqual([S.getmain(), nt]);
    expect(seen[seen.length - 1][1]).toBe(S.getmain());
  });

  it('the channel callback for a native tasklet (with a schedule callback as well)', () => {
    const ch = new S.channel();
    const seen = [], switches = [];
    let nt;
    const who = (t) => (t === nt ? 'native' : t === S.getmain() ? 'main' : '?');
    withCallback(S.set_schedule_callback, (prev, next) => switches.push(`${who(prev)}>${who(next)}`), () => withCallback(S.set_channel_callback, (c, t, sending, willblock) => {
      seen.push([c === ch, who(t), sending, willblock]);
    }, () => {
      nt = S._internal.nativeTasklet(1, ch, 1);   // receive a value, send it back
      S.run();             // it blocks receiving
      ch.send(21);         // it receives and blocks sending it back
      expect(ch.receive()).toBe(21);
      S.run();             // it ends
    }));
    expect(switches).toEqual(['main>native', 'native>main', 'main>native', 'native>main', 'main>native', 'native>main']);
    expect(nt.alive).toBe(false);
    expect(seen).toEqual([
      [true, 'native', 0, 1], [true, 'main', 1, 0], [true, 'native', 1, 1], [true, 'main', 0, 0],
    ]);
  });

  it('a native tasklet is interrupted at its next C-API call', () => {
    const nt = S._internal.nativeTasklet(2, undefined, 100);   // 100 x (100 us of work + a call)
    expect(S.run(1000)).toBe(nt);
    expect(nt.paused).toBe(true);
    nt.insert();
    expect(S.run()).toBe(undefined);
    expect(nt.alive).toBe(false);
  });

  it('a bomb received by a native tasklet ends it with the exception', () => {
    const ch = new S.channel();
    const nt = S._internal.nativeTasklet(1, ch, 1);
    S.run();
    expect(() => ch.send(new S.bomb(S.KeyError, 'k'))).toThrow(S.KeyError);
    expect(nt.alive).toBe(false);
    // the error handler, called on the native tasklet's behalf (on the thread's stack)
    const calls = [];
    const nt2 = S._internal.nativeTasklet(1, ch, 1);
    S.run();
    S.set_error_handler((type, value) => calls.push([type, value, S.getcurrent()]));
    try {
      const k = new S.KeyError('k2');
      ch.send(new S.bomb(k));
      expect(calls.length).toBe(1);
      expect(calls[0][0]).toBe(S.KeyError);
      expect(calls[0][1]).toBe(k);
      expect(calls[0][2]).toBe(nt2);
      expect(nt2.alive).toBe(false);
    } finally {
      S.set_error_handler(undefined);
    }
  });

  it('uncollectables: native tasklets that own a stack', () => {
    expect(S.getuncollectables()).toEqual([]);
    const ch = new S.channel();
    const nt = S._internal.nativeTasklet(1, ch, 2);
    expect(S.uncollectables).toEqual([]);   // not started yet
    expect(nt.nesting_level).toBe(0);
    const g = new S.tasklet(function* () { yield ch.receive_nr(); }).setup();
    S.run();
    expect(S.uncollectables).toEqual([nt]);
    expect(nt.nesting_level).toBe(1);
    expect(nt.blocked).toBe(true);
    expect(g.blocked).toBe(true);
    expect(ch.queue).toBe(nt);
    expect(ch.queue.next).toBe(g);     // the channel's wait queue
    expect(g.next).toBe(undefined);
    gc();
    ch.send('one');   // nt gets it and sends it back: g receives it
    expect(g.alive).toBe(false);
    expect(S.uncollectables).toEqual([nt]);
    nt.kill();
    expect(nt.alive).toBe(false);
    expect(S.getuncollectables()).toEqual([]);
  });
});
