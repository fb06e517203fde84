// The promise bridge (NODE.md 7): `yield stackless.await_nr(p)` in generator tasklets, resumed
// from Node's event loop. Run twice by `npm run test:js`: plainly, and under node --expose-gc
// with gc() while tasklets wait.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'child_process';
import { S, dist, gc, expectIdleAfterEach, checkEngineSoFar } from './support.mjs';

// A promise and its resolve/reject functions.
function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

// Resolves when the tasklets are no longer alive (checked from the event loop).
function finished(...ts) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const poll = () => {
      gc();
      if (ts.every((t) => !t.alive)) resolve();
      else if (Date.now() - t0 > 20000) reject(new Error('a tasklet did not finish'));
      else setImmediate(poll);
    };
    poll();
  });
}

expectIdleAfterEach();

describe('await_nr in generator tasklets', () => {
  it('resumes the tasklet with the fulfilment value; run() returns while it waits', async () => {
    const d = deferred();
    const got = [];
    const t = new S.tasklet(function* () {
      got.push('start');
      got.push(yield S.await_nr(d.promise));
      got.push(yield S.await_nr(new Promise((r) => setTimeout(() => r('timer'), 5))));
    }).setup();
    S.run();
    // run() returned: the tasklet is blocked (on its own channel), not lost
    expect(got).toEqual(['start']);
    expect(t.alive).toBe(true);
    expect(t.blocked).toBe(true);
    expect(S.getruncount()).toBe(1);
    gc();
    const value = { some: 'object' };
    d.resolve(value);
    await finished(t);
    expect(got).toEqual(['start', value, 'timer']);
    expect(got[1]).toBe(value);   // the same object
  });

  it('a value that is not a thenable is resolved as await does; thenables are followed', async () => {
    const got = [];
    const thenable = { then(res) { setTimeout(() => res('from thenable'), 1); } };
    const t = new S.tasklet(function* () {
      got.push(yield S.await_nr(42));
      got.push(yield S.await_nr(undefined));
      got.push(yield S.await_nr(thenable));
      got.push(yield S.await_nr(Promise.resolve(Promise.resolve('nested'))));
    }).setup();
    S.run();
    expect(got).toEqual([]);   // even a plain value waits for the event loop, like await
    await finished(t);
    expect(got).toEqual([42, undefined, 'from thenable', 'nested']);
  });

  it('a rejection is thrown at the yield, whatever the reason is', async () => {
    const reasons = [new S.ValueError('bad'), new Error('plain'), 'a string', 7, undefined, null, { an: 'object' }];
    const caught = [];
    const t = new S.tasklet(function* () {
      for (const r of reasons) {
        try {
          yield S.await_nr(Promise.reject(r));
          caught.push('not thrown');
        } catch (e) {
          caught.push(e);
        }
      }
    }).setup();
    S.run();
    await finished(t);
    expect(caught.length).toBe(reasons.length);
    for (let i = 0; i < reasons.length; i++) expect(caught[i]).toBe(reasons[i]);
  });

  it('the resumed tasklet runs at once, nested; what it wakes runs too, before the callback returns', async () => {
    const d = deferred();
    const ch = new S.channel();
    const log = [];
    const waiter = new S.tasklet(function* () {
      const v = yield S.await_nr(d.promise);
      log.push(`waiter got ${v}`);
      yield ch.send_nr(v * 2);
      log.push('waiter sent');
    }).setup();
    const reader = new S.tasklet(function* () {
      log.push(`reader got ${yield ch.receive_nr()}`);
    }).setup();
    S.run();
    expect(reader.blocked).toBe(true);
    d.promise.then(() => {
      // registered after await_nr's callback: by now the whole chain has run
      log.push('after');
      expect(waiter.alive).toBe(false);
      expect(reader.alive).toBe(false);
    });
    d.resolve(21);
    await d.promise;
    await finished(waiter);
    expect(log).toEqual(['waiter got 21', 'reader got 42', 'waiter sent', 'after']);
  });

  it('1,000 concurrent awaits resume in settlement order', async () => {
    const n = 1000;
    const ds = Array.from({ length: n }, deferred);
    const order = [];
    const ts = ds.map((d, i) => new S.tasklet(function* () {
      const v = yield S.await_nr(d.promise);
      expect(v).toBe(i * 3);
      order.push(i);
    }).setup());
    S.run();
    expect(ts.every((t) => t.blocked)).toBe(true);
    gc();
    // settle in a scrambled order (a fixed permutation: 7 is coprime to 1,000)
    const settle = Array.from({ length: n }, (_, k) => (k * 7) % n);
    for (const i of settle) ds[i].resolve(i * 3);
    await Promise.all(ds.map((d) => d.promise));
    await finished(...ts);
    expect(order).toEqual(settle);
  });

  it('many awaits in a row in one tasklet, mixed with channel traffic', async () => {
    const ch = new S.channel();
    let sum = 0;
    const consumer = new S.tasklet(function* () {
      for (;;) {
        const v = yield ch.receive_nr();
        if (v === undefined) return;
        sum += v;
      }
    }).setup();
    const producer = new S.tasklet(function* () {
      for (let i = 1; i <= 200; i++) yield ch.send_nr(yield S.await_nr(Promise.resolve(i)));
      yield ch.send_nr(undefined);
    }).setup();
    S.run();
    await finished(producer);
    expect(consumer.alive).toBe(false);
    expect(sum).toBe(200 * 201 / 2);
  });

  it('a tasklet killed while it waits stays dead; the later settlement is dropped', async () => {
    const d = deferred();
    let resumed = false, finallyRan = false;
    const t = new S.tasklet(function* () {
      try {
        yield S.await_nr(d.promise);
        resumed = true;
      } finally {
        finallyRan = true;
      }
    }).setup();
    S.run();
    expect(t.blocked).toBe(true);
    t.kill();
    expect(t.alive).toBe(false);
    expect(finallyRan).toBe(true);
    d.resolve('late');
    await d.promise;
    await new Promise((r) => setImmediate(r));
    expect(resumed).toBe(false);
  });

  it('throw() into a waiting tasklet interrupts the wait', async () => {
    const d = deferred();
    let caught;
    const t = new S.tasklet(function* () {
      try {
        yield S.await_nr(d.promise);
      } catch (e) {
        caught = e;
      }
    }).setup();
    S.run();
    t.throw(new S.ValueError('stop waiting'));
    expect(caught).toBeInstanceOf(S.ValueError);
    expect(t.alive).toBe(false);
    d.reject(new Error('ignored'));   // nobody waits: dropped, not an unhandled rejection
    await d.promise.catch(() => {});
  });

  it('main and plain-function tasklets get RuntimeError saying to use a generator tasklet', () => {
    let err;
    try { S.await_nr(Promise.resolve(1)); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(S.RuntimeError);
    expect(err.message).toMatch(/^await_nr: the main tasklet cannot wait for a promise .*generator tasklet: const v = yield stackless\.await_nr\(promise\)/);

    let err2;
    new S.tasklet(function () {
      try { S.await_nr(1); } catch (e) { err2 = e; }
    }, undefined, undefined, { hard: false }).setup();
    S.run();
    expect(err2).toBeInstanceOf(S.RuntimeError);
    expect(err2.message).toMatch(/^await_nr: a plain-function tasklet on the scheduler's stack cannot wait for a promise; .*function\*/);
  });

  it('main blocking on a channel while the only other tasklet waits for a promise: deadlock error', async () => {
    const d = deferred();
    const ch = new S.channel();
    const t = new S.tasklet(function* () { yield ch.send_nr(yield S.await_nr(d.promise)); }).setup();
    S.run();
    // main cannot wait for the event loop synchronously
    expect(() => ch.receive()).toThrow(S.RuntimeError);
    expect(t.blocked).toBe(true);
    d.resolve('v');
    await d.promise;
    // now the tasklet wants to send; a receiver from the event loop side picks it up
    new S.tasklet(function* () { expect(yield ch.receive_nr()).toBe('v'); }).setup();
    S.run();
    await finished(t);
  });

  it('an exception escaping a resumed tasklet goes to the error handler, else to the event loop', async () => {
    const d = deferred();
    const seen = [];
    const prev = S.set_error_handler((type, value) => { seen.push([type, value]); });
    try {
      const boom = new S.ValueError('after the await');
      const t = new S.tasklet(function* () {
        yield S.await_nr(d.promise);
        throw boom;
      }).setup();
      S.run();
      d.resolve();
      await finished(t);
      expect(seen).toEqual([[S.ValueError, boom]]);
    } finally {
      S.set_error_handler(prev);
    }
  });

  it('without a handler, the escaping exception is an uncaught exception of the event loop', () => {
    const script = `
      const S = require(${JSON.stringify(dist)});
      process.on('uncaughtException', (e) => { console.log('uncaught', e.constructor.name, e.message); });
      const t = new S.tasklet(function* () {
        yield S.await_nr(new Promise((r) => setTimeout(r, 1)));
        throw new S.ValueError('escaped');
      }).setup();
      const u = new S.tasklet(function* () {
        yield S.await_nr(new Promise((r) => setTimeout(r, 5)));
        console.log('the other tasklet still runs');
      }).setup();
      S.run();
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('uncaught ValueError escaped\nthe other tasklet still runs\n');
    expect(r.status).toBe(0);
  });

  it('works inside a watchdog run: waiting tasklets are not returned as interrupted', async () => {
    const d = deferred();
    const t = new S.tasklet(function* () { return yield S.await_nr(d.promise); }).setup();
    expect(S.run(1000)).toBe(undefined);
    expect(t.blocked).toBe(true);
    d.resolve(1);
    await finished(t);
  });
});

// Everything above runs on the JS engine (lib/engine.ts); the tests below need the core, and the
// thread hands over at the first of them.
checkEngineSoFar();

describe('hard tasklets (on the core)', () => {
  it('a hard tasklet calls it without yield and blocks where it is', async () => {
    expect(S.hard_available, 'the hard module: npm run build:hard').toBe(true);
    const d = deferred();
    const ch = new S.channel();
    const log = [];
    const t = new S.tasklet(function () {
      log.push(S.await_nr(d.promise));
      try { S.await_nr(Promise.reject(new S.ValueError('no'))); } catch (e) { log.push(e.message); }
      log.push(ch.receive());
    }).setup();
    S.run();
    expect(t.blocked).toBe(true);
    d.resolve('value');
    await d.promise;
    while (!t.blocked || ch.balance === 0) await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['value', 'no']);
    ch.send('last');
    S.run();
    expect(log).toEqual(['value', 'no', 'last']);
    await finished(t);
  });
});
