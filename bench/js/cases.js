'use strict';
// Benchmark cases. Each `run(impl, n)` does n units of work on an implementation adapter and
// returns the number of units done (or a promise of it, for adapters driven by the event loop);
// the driver divides CPU time by that. Each case checks its results, so an adapter that skips
// work fails loudly instead of looking fast.
//
// Adapter shapes (see adapters/stackless.js for the full contract):
//   style 'gen':   tasklet(genfn, ...args), channel() -> { send_nr(x), receive_nr() },
//                  schedule_nr(), run(done); bodies do `v = yield ch.receive_nr()`.
//   style 'async': tasklet(asyncfn, ...args), channel() -> { send(x), receive() } (promises),
//                  schedule(); bodies do `v = await ch.receive()`.
// run(done) runs until nothing is runnable; an event-loop-driven adapter returns done.wait()
// instead, which resolves when the bodies have ticked done.target times.

// Counts finished (or about-to-block) tasklets; lets async adapters know when a round is over.
class Done {
  constructor() {
    this.count = 0;
    this.target = 0;
    this.resolve = null;
  }
  tick() {
    if (++this.count === this.target && this.resolve !== null) {
      const r = this.resolve;
      this.resolve = null;
      r();
    }
  }
  wait() {
    if (this.count >= this.target) return Promise.resolve();
    return new Promise((r) => { this.resolve = r; });
  }
  check(what) {
    if (this.count !== this.target) throw new Error(`${what}: ${this.count} of ${this.target} tasklets got there`);
  }
}

// Calls f after impl.run(done), whether run was synchronous or returned a promise.
function after(impl, done, f) {
  const p = impl.run(done);
  return p && typeof p.then === 'function' ? p.then(f) : f();
}

// ---- channel hop: ping-pong over one channel; a hop is one message handed over -------------
function* pingG(ch, n, d, out) {
  let s = 0;
  for (let i = 0; i < n; i++) {
    yield ch.send_nr(i);
    s += yield ch.receive_nr();
  }
  out.sum = s;
  d.tick();
}
function* pongG(ch, n, d) {
  for (let i = 0; i < n; i++) {
    const v = yield ch.receive_nr();
    yield ch.send_nr(v + 1);
  }
  d.tick();
}
async function pingA(ch, n, d, out) {
  let s = 0;
  for (let i = 0; i < n; i++) {
    await ch.send(i);
    s += await ch.receive();
  }
  out.sum = s;
  d.tick();
}
async function pongA(ch, n, d) {
  for (let i = 0; i < n; i++) {
    const v = await ch.receive();
    await ch.send(v + 1);
  }
  d.tick();
}

function hop(impl, hops) {
  const n = Math.max(1, Math.round(hops / 2));   // round trips
  const gen = impl.style === 'gen';
  const ch = impl.channel();
  const d = new Done();
  const out = { sum: -1 };
  d.target = 2;
  impl.tasklet(gen ? pongG : pongA, ch, n, d);     // pong first, so it waits on receive
  impl.tasklet(gen ? pingG : pingA, ch, n, d, out);
  return after(impl, d, () => {
    d.check('hop');
    if (out.sum !== (n * (n + 1)) / 2) throw new Error(`hop: wrong sum ${out.sum}`);
    return 2 * n;
  });
}

// ---- the same ping-pong with a native C tasklet answering (adapters with nativeEcho) ----------
function mixedHop(impl, hops) {
  const n = Math.max(1, Math.round(hops / 2));
  const ch = impl.channel();
  const d = new Done();
  const out = { sum: -1 };
  d.target = 1;
  impl.nativeEcho(ch, n);   // set up first, so it waits on receive
  impl.tasklet(pingG, ch, n, d, out);
  impl.run(d);
  d.check('mixed hop');
  if (out.sum !== (n * (n - 1)) / 2) throw new Error(`mixed hop: wrong sum ${out.sum}`);
  return 2 * n;
}

// ---- ping-pong between two native C tasklets (adapters with nativePingpong) -----------------
function nativeHop(impl, hops) {
  const n = Math.max(1, Math.round(hops / 2));
  const seen = impl.nativePingpong(n);
  if (seen !== n) throw new Error(`native hop: ${seen} of ${n} values seen`);
  return 2 * n;
}

// ---- schedule() round robin among T tasklets; n = switches ---------------------------------
function* spinG(impl, rounds, d) {
  for (let i = 0; i < rounds; i++) yield impl.schedule_nr();
  d.tick();
}
async function spinA(impl, rounds, d) {
  for (let i = 0; i < rounds; i++) await impl.schedule();
  d.tick();
}

function roundRobin(impl, tasklets, switches) {
  const rounds = Math.max(1, Math.round(switches / tasklets));
  const body = impl.style === 'gen' ? spinG : spinA;
  const d = new Done();
  d.target = tasklets;
  for (let i = 0; i < tasklets; i++) impl.tasklet(body, impl, rounds, d);
  return after(impl, d, () => {
    d.check('round robin');
    return rounds * tasklets;
  });
}

// ---- spawn, run, finish of a trivial tasklet, in batches (like the native bench) ----------
const BATCH = 1000;
function* trivialG(d) { d.tick(); }
async function trivialA(d) { d.tick(); }

function spawn(impl, n) {
  const batches = Math.max(1, Math.round(n / BATCH));
  const body = impl.style === 'gen' ? trivialG : trivialA;
  const d = new Done();
  let b = 0;
  const loop = () => {
    while (b < batches) {
      b++;
      d.target += BATCH;
      for (let i = 0; i < BATCH; i++) impl.tasklet(body, d);
      const p = impl.run(d);
      if (p && typeof p.then === 'function') return p.then(loop);
    }
    d.check('spawn');
    return batches * BATCH;
  };
  return loop();
}

// ---- N tasklets blocked on receive ---------------------------------------------------------
// The tick comes just before blocking: every adapter registers the receive synchronously when
// the body yields/awaits it, before control can come back to the driver.
function* blockerG(ch, d, sink) {
  d.tick();
  const v = yield ch.receive_nr();   // not `sum += yield`: that reads sum before blocking
  sink.sum += v;
}
async function blockerA(ch, d, sink) {
  d.tick();
  const v = await ch.receive();
  sink.sum += v;
}

// Creates n tasklets blocked on receive; impl.maxWaiters caps waiters per channel (js-csp
// refuses more than 1024). Resolves to { chans, per, sink } once all are blocked.
function makeBlocked(impl, n) {
  const per = Math.min(n, impl.maxWaiters || n);
  const body = impl.style === 'gen' ? blockerG : blockerA;
  const d = new Done();
  const sink = { sum: 0 };
  const chans = [];
  let ch = null;
  d.target = n;
  for (let i = 0; i < n; i++) {
    if (i % per === 0) chans.push((ch = impl.channel()));
    impl.tasklet(body, ch, d, sink);
  }
  return after(impl, d, () => {
    d.check('block');
    return { chans, per, sink, n };
  });
}

// Sends 1 to every blocked tasklet and checks that each got it (proves they were blocked).
function* releaseG(chans, n, per) {
  for (let c = 0, left = n; c < chans.length; c++, left -= per) {
    for (let i = Math.min(per, left); i > 0; i--) yield chans[c].send_nr(1);
  }
}
async function releaseA(chans, n, per) {
  for (let c = 0, left = n; c < chans.length; c++, left -= per) {
    for (let i = Math.min(per, left); i > 0; i--) await chans[c].send(1);
  }
}
function release(impl, b) {
  const d = new Done();
  d.target = 0;   // the blocked bodies do not tick again; completion is read from the sink
  impl.tasklet(impl.style === 'gen' ? releaseG : releaseA, b.chans, b.n, b.per);
  const p = impl.run(d);
  // Event-loop adapters: poll until every receiver has its value (untimed, so polling is fine).
  const poll = (resolve) => (b.sink.sum >= b.n ? resolve() : setImmediate(poll, resolve));
  const wait = p && typeof p.then === 'function' ? new Promise(poll) : null;
  const check = () => {
    if (b.sink.sum !== b.n) throw new Error(`release: ${b.sink.sum} of ${b.n} blocked tasklets got their value`);
  };
  return wait ? wait.then(check) : check();
}

// Timed: create n blocked tasklets. After timing, the driver hands `keep` to impl.reset (if the
// adapter has one) and drops it: releasing 1M tasklets through js-csp would take seconds.
function blockMany(impl, n) {
  const r = makeBlocked(impl, n);
  const done = (b) => ({ work: n, keep: b });
  return r && typeof r.then === 'function' ? r.then(done) : done(r);
}

// Untimed, once per fresh process: bytes per blocked tasklet, after full GCs.
async function memory(impl, n) {
  const gc = global.gc;
  if (!gc) throw new Error('memory case needs node --expose-gc');
  await release(impl, await makeBlocked(impl, Math.min(n, 2000)));   // warm up code first
  gc(); gc();
  const m0 = process.memoryUsage();
  const b = await makeBlocked(impl, n);
  gc(); gc();
  const m1 = process.memoryUsage();
  await release(impl, b);   // also proves they were really blocked
  return {
    heapPerTasklet: (m1.heapUsed + m1.external - m0.heapUsed - m0.external) / n,
    rssPerTasklet: (m1.rss - m0.rss) / n,
  };
}

// id, title, unit, run; `fixedN` disables calibration (the case defines its size), `quickN`
// replaces it in --quick runs, `minN` bounds calibration from below; `needs`: only adapters
// with that method run the case (the others have no native tasklets).
module.exports = {
  Done,
  release,
  cases: [
    { id: 'hop', title: 'channel hop (ping-pong)', unit: 'ns/hop', run: hop },
    { id: 'mixed', title: 'channel hop, generator <-> native C tasklet', unit: 'ns/hop', run: mixedHop, needs: 'nativeEcho' },
    { id: 'native', title: 'channel hop, native C <-> native C tasklet', unit: 'ns/hop', run: nativeHop, needs: 'nativePingpong' },
    { id: 'rr2', title: 'schedule() round robin, 2 tasklets', unit: 'ns/switch', run: (i, n) => roundRobin(i, 2, n) },
    { id: 'rr1000', title: 'schedule() round robin, 1,000 tasklets', unit: 'ns/switch', run: (i, n) => roundRobin(i, 1000, n), minN: 20000 },
    { id: 'spawn', title: 'spawn-run-finish, trivial tasklet', unit: 'ns/tasklet', run: spawn, minN: 2000 },
    { id: 'block1m', title: 'tasklets created and blocked', unit: 'ns/tasklet', run: blockMany, fixedN: 1e6, quickN: 100000 },
    { id: 'memory', title: 'memory per blocked tasklet', unit: 'B/tasklet', run: memory, fixedN: 200000, quickN: 50000, memory: true },
  ],
};
