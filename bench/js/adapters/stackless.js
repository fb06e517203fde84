'use strict';
// ==== ADAPTER SLOT: the real stackless addon ==============================================
// Skipped (the driver prints the reason) until the package loads and has the soft-tasklet API.
// The mapping below follows NODE.md 3.2/3.3; check it against the real API once it exists.
//
// Adapter contract (what bench/js/cases.js calls; floor.js is the reference implementation):
//   name, style: 'gen'
//   tasklet(genfn, ...args)  a new tasklet running genfn(...args), appended to the run queue;
//                            it must not start running before run().
//   channel()                a new channel, default preference -1; ch.send_nr(x) and
//                            ch.receive_nr() return the value or Py_UnwindToken (NODE.md 3.3).
//   schedule_nr()            same protocol.
//   run(done)                run until no tasklet is runnable (all finished or blocked), then
//                            return undefined. (An adapter driven by the event loop would
//                            return done.wait() instead; stackless is synchronous.)
//   optional maxWaiters      cap on tasklets blocked on one channel (none for stackless).
//   optional nativeEcho(ch, n)   a native C tasklet answering n values on ch (stackless only)
//   optional nativePingpong(n)   n round trips between two native C tasklets (stackless only)
//   optional reset(chans)    called untimed after each round of the 1M-blocked case with the
//                            channels whose receivers are still blocked, before they are
//                            dropped. Implement it (e.g. kill the blocked tasklets) if blocked
//                            soft tasklets are not reclaimed once nothing references them,
//                            else 5 rounds pin 5M tasklets.
// Bodies only ever `yield` _nr results, so the trampoline sees exactly NODE.md's idiom.
// =========================================================================================

// STACKLESS_MODULE=/path/to/build benchmarks another copy (also how this slot was tested).
// Until package.json names the compiled entry point ("main": "dist/index.js"), the package root
// does not resolve, so the compiled dist/ is tried next.
const path = require('path');
const where = process.env.STACKLESS_MODULE || path.resolve(__dirname, '../../..');
let S;
try {
  try {
    S = require(where);
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND') throw e;
    S = require(path.join(where, 'dist'));
  }
} catch (e) {
  throw new Error(`not built yet (require('stackless') failed: ${String(e.message).split('\n')[0]})`);
}
for (const k of ['tasklet', 'channel', 'schedule_nr', 'run', 'Py_UnwindToken']) {
  if (S[k] === undefined) throw new Error(`not built yet (stackless.${k} is missing)`);
}

// Bound once, as the floor's adapter calls its functions directly: the stackless module object
// has more names than V8 keeps in a fast-mode object, so S.f() would be a dictionary lookup
// (a LoadIC call) on every operation, which is a cost of this adapter, not of stackless.
const { tasklet, channel, schedule_nr, run } = S;
// the native hooks (stackless/bench) for the mixed rows; a copy without them has no mixed rows
let bench = null;
try { bench = require(path.join(where, 'dist', 'bench.js')); } catch (e) { if (e.code !== 'MODULE_NOT_FOUND') throw e; }

module.exports = {
  name: 'stackless',
  style: 'gen',
  tasklet(genfn, ...args) { return new tasklet(genfn).setup(...args); },
  channel() { return new channel(); },
  schedule_nr() { return schedule_nr(); },
  run() { run(); },
  // On the core, blocked soft tasklets are held by the scheduler (as in Stackless, where a tasklet
  // blocked on a dropped channel lives until killed): kill the ones the 1M-blocked case leaves
  // behind. On the JS engine a blocked tasklet is held by its channel only: dropped with it, as the
  // floor's are, and nothing is left to kill.
  reset(chans) {
    if (S.engine && S.engine() === 'js') return;
    for (const ch of chans) {
      for (let t = ch.queue; t !== undefined; t = ch.queue) t.kill();
    }
  },
  UNWIND: S.Py_UnwindToken,
};
if (bench) {
  module.exports.nativeEcho = (ch, n) => { bench.native_echo(ch, n); };
  module.exports.nativePingpong = (n) => bench.native_pingpong(n);
}
