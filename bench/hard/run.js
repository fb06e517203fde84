// bench/hard/run.js - hard tasklets (npm run bench:hard): the channel hop beside a C futex
// ping-pong between two threads measured in the same run, memory per blocked hard tasklet,
// and preemption latency. Wall-clock times (a hop is a hand-off between two threads; CPU time
// would count both threads and the sleeps), best of several interleaved rounds.
//   node --expose-gc bench/hard/run.js [--quick]
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '../..');
const quick = process.argv.includes('--quick');
const S = require(root);

if (process.argv[2] === '--memory-child') {
  // one process per measurement: RSS before and after N hard tasklets block
  const N = +process.argv[3];
  const ch = new S.channel();
  // a first tasklet loads the module and starts the pool
  new S.tasklet(() => {}).setup();
  S.run();
  global.gc();
  const before = process.memoryUsage().rss;
  for (let i = 0; i < N; i++) new S.tasklet(() => { ch.receive(); }).setup();
  S.run();
  global.gc();
  const after = process.memoryUsage().rss;
  process.stdout.write(JSON.stringify({ perTasklet: (after - before) / N, blocked: -ch.balance }));
  process.exit(0);
}

if (!S.hard_available) {
  console.error('bench:hard: the hard-tasklet module is not built for this Node: run npm run build:hard');
  process.exit(1);
}

// ---- the C baseline ----------------------------------------------------------------------------
const outDir = path.join(root, 'out', 'bench-hard');
const futexBin = path.join(outDir, 'futex_pingpong');
fs.mkdirSync(outDir, { recursive: true });
execFileSync('cc', ['-O2', '-pthread', '-o', futexBin, path.join(__dirname, 'futex_pingpong.c')]);
const cFutex = (n) => +execFileSync(futexBin, [String(n)], { encoding: 'utf8' }).trim();

// ---- hops --------------------------------------------------------------------------------------
function hopMainHard(n) {
  const ch = new S.channel(), back = new S.channel();
  new S.tasklet(() => { for (;;) { const v = ch.receive(); if (v < 0) return; back.send(v); } }).setup();
  S.run();   // it starts and blocks
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) { ch.send(i); back.receive(); }
  const ns = Number(process.hrtime.bigint() - t0);
  ch.send(-1);
  S.run();
  return ns / (2 * n);   // each round trip is two one-way hops
}

function hopHardHard(n) {
  const ch = new S.channel();
  let t0 = 0n, t1 = 0n;
  new S.tasklet(() => { for (let i = 0; i < n; i++) ch.receive(); }).setup();
  new S.tasklet(() => { t0 = process.hrtime.bigint(); for (let i = 0; i < n; i++) ch.send(i); t1 = process.hrtime.bigint(); }).setup();
  S.run();
  return Number(t1 - t0) / n;   // one hop per send (through the scheduler's thread: two hand-offs)
}

function hopSoft(n) {   // for scale: the same exchange between two generator tasklets
  const ch = new S.channel();
  let t0 = 0n, t1 = 0n;
  new S.tasklet(function* r() { for (let i = 0; i < n; i++) yield ch.receive_nr(); }).setup();
  new S.tasklet(function* s() { t0 = process.hrtime.bigint(); for (let i = 0; i < n; i++) yield ch.send_nr(i); t1 = process.hrtime.bigint(); }).setup();
  S.run();
  return Number(t1 - t0) / n;
}

const N = quick ? 3000 : 20000;
const rounds = quick ? 3 : 7;
const best = { c: Infinity, mainHard: Infinity, hardHard: Infinity, soft: Infinity };
for (let r = 0; r < rounds; r++) {
  best.c = Math.min(best.c, cFutex(N));
  best.mainHard = Math.min(best.mainHard, hopMainHard(N));
  best.hardHard = Math.min(best.hardHard, hopHardHard(N));
  best.soft = Math.min(best.soft, hopSoft(N * 10));
  global.gc();
}

// ---- memory ------------------------------------------------------------------------------------
const memN = quick ? 200 : 1000;
const mem = JSON.parse(spawnSync(process.execPath, ['--expose-gc', __filename, '--memory-child', String(memN)],
  { encoding: 'utf8' }).stdout);

// ---- preemption latency ------------------------------------------------------------------------
function preemption(timeoutUs, samples) {
  let stop = false;
  const t = new S.tasklet(() => { let x = 0; while (!stop) x++; return x; }).setup();
  const lat = [];
  for (let i = 0; i < samples; i++) {
    const t0 = process.hrtime.bigint();
    const v = S.run(timeoutUs);
    lat.push(Number(process.hrtime.bigint() - t0) / 1e3);
    if (v !== t) throw new Error('the CPU-bound tasklet was not preempted');
    t.insert();
  }
  stop = true;
  S.run();
  lat.sort((a, b) => a - b);
  return { median: lat[lat.length >> 1], p90: lat[Math.floor(lat.length * 0.9)] };
}
const pre = [1000, 5000, 20000].map((us) => ({ us, ...preemption(us, quick ? 10 : 40) }));

// ---- report ------------------------------------------------------------------------------------
const f = (x, d = 2) => x.toFixed(d);
const verdict = (ok) => (ok ? 'MET' : 'NOT MET');
console.log(`hard tasklets on Node ${process.version} (${N} round trips, best of ${rounds} interleaved rounds, wall time)`);
console.log('');
console.log('| measurement | value | × C futex hand-off | target |');
console.log('| --- | ---: | ---: | --- |');
console.log(`| C futex ping-pong between two threads, one way | ${f(best.c / 1000)} µs | 1.00 | baseline |`);
const hop = best.mainHard / best.c;
console.log(`| hard channel hop, main ↔ hard tasklet | ${f(best.mainHard / 1000)} µs | ${f(hop)} | ≤ 2× ${verdict(hop <= 2)} |`);
console.log(`| hard channel hop, hard ↔ hard (two hand-offs, via the scheduler's thread) | ${f(best.hardHard / 1000)} µs | ${f(best.hardHard / best.c)} | — |`);
console.log(`| for scale: soft (generator) channel hop | ${f(best.soft / 1000, 3)} µs | ${f(best.soft / best.c, 3)} | — |`);
console.log(`| resident memory per blocked hard tasklet (${mem.blocked} blocked) | ${f(mem.perTasklet / 1024, 1)} KiB | | ≤ 32 KiB ${verdict(mem.perTasklet <= 32 * 1024)} |`);
for (const p of pre) {
  const ratio = p.median / p.us;
  console.log(`| preemption of a CPU-bound tasklet, run(${p.us}) | median ${f(p.median / 1000)} ms, p90 ${f(p.p90 / 1000)} ms | ${f(ratio)} × timeout | median ≤ 2× ${verdict(ratio <= 2)} |`);
}
