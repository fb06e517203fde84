'use strict';
// JS benchmark driver: node --expose-gc bench/js/run.js [--quick] [--json out.json] [--only hop,spawn]
//
// Every (case, implementation) runs in its own child process, so JIT feedback and heaps of one
// implementation never touch another's. For a case, one child per implementation stays alive
// and the driver asks them for rounds in turn (floor, peer, peer, floor, ...): a noisy spell on
// this 2-core machine then hits all of them, and the ratios against the floor stay fair.
// Time is CPU time (process.cpuUsage, user + system), best round kept; wall time goes to JSON.
// Each child collects its garbage (untimed) before and after each of its rounds: the rounds of
// the 1M case leave hundreds of MB, and a collection still running in one child during another's
// round made rounds of the same implementation differ by 2x.
const path = require('path');
const fs = require('fs');
const { fork } = require('child_process');
const { cases } = require('./cases');

const IMPLS = [
  ['floor', './floor'],
  ['js-csp', './peers/js-csp'],
  ['medium', './peers/medium'],
  ['stackless', './adapters/stackless'],
];
const PEERS = ['js-csp', 'medium'];


// ---------------------------------------------------------------- child: one impl, one case
function child(implName, caseId) {
  const impl = require(IMPLS.find(([n]) => n === implName)[1]);
  const kase = cases.find((c) => c.id === caseId);
  process.on('message', async (m) => {
    try {
      if (m.cmd === 'exit') return process.exit(0);
      if (m.cmd === 'memory') return process.send({ mem: await kase.run(impl, m.n) });
      global.gc();   // untimed: the previous round's garbage is not charged to this one
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      let r = kase.run(impl, m.n);
      if (r && typeof r.then === 'function') r = await r;
      const wall = Number(process.hrtime.bigint() - t0);
      const c = process.cpuUsage(c0);
      const work = typeof r === 'number' ? r : r.work;
      if (r.keep && impl.reset) impl.reset(r.keep.chans);
      r = null;
      // untimed, before answering: a collection this round left running (concurrent marking,
      // sweeping) must not run on the other core during the next implementation's round
      global.gc();
      process.send({ cpu: (c.user + c.system) * 1000, wall, work });
    } catch (e) {
      process.send({ error: String((e && e.stack) || e) });
    }
  });
}

// ---------------------------------------------------------------- parent
function opts() {
  const a = process.argv.slice(2);
  const j = a.indexOf('--json');
  const k = a.indexOf('--only');
  return { quick: a.includes('--quick'), json: j >= 0 ? a[j + 1] : null, only: k >= 0 ? a[k + 1].split(',') : null };
}

function spawnChild(implName, caseId) {
  const p = fork(__filename, ['--child', implName, caseId], {
    execArgv: ['--expose-gc', '--max-old-space-size=8192'],
  });
  p.on('error', () => {});
  return p;
}

// One request/response with a time limit, so a hung implementation cannot stall the suite.
function ask(p, msg, limitMs) {
  return new Promise((resolve) => {
    const done = (r) => { clearTimeout(t); p.off('message', onMsg); p.off('exit', onExit); resolve(r); };
    const onMsg = (r) => done(r);
    const onExit = (code) => done({ error: `child exited (code ${code})` });
    const t = setTimeout(() => { p.kill(); done({ error: `no answer in ${limitMs / 1000} s` }); }, limitMs);
    p.on('message', onMsg);
    p.on('exit', onExit);
    p.send(msg);
  });
}

// Size of a fixed-size case in this run (quick runs shrink the big ones to stay under 30 s).
const sizeOf = (kase, o) => (o.quick && kase.quickN) || kase.fixedN;

async function timedCase(kase, impls, o) {
  const rounds = o.quick ? (kase.fixedN ? 1 : 3) : 5;
  const targetNs = o.quick ? 40e6 : 200e6;   // CPU time per round, after calibration
  const warmNs = o.quick ? 30e6 : 100e6;     // warm-up until a round takes this long (JIT settled)
  const budgetNs = o.quick ? 4e9 : 20e9;     // per implementation: no new round past this
  const res = {};
  const live = [];
  for (const name of impls) {
    const p = spawnChild(name, kase.id);
    const r = (res[name] = { cpu: [], wall: [], spent: 0 });
    // Warm-up: the first rounds are mostly JIT compiling (background threads count in CPU
    // time), so rounds grow until one lasts warmNs with a per-op cost within 25% of the round
    // before. The last warm round sizes n so that a timed round takes ~targetNs.
    let n = kase.fixedN ? Math.min(sizeOf(kase, o), 20000) : Math.max(kase.minN || 0, 10000);
    let w;
    let prev = Infinity;
    let spent = 0;
    for (;;) {
      w = await ask(p, { n }, 120e3);
      if (w.error || kase.fixedN) break;
      const per = w.cpu / w.work;
      spent += w.cpu;
      if ((w.cpu >= warmNs && Math.abs(per - prev) <= 0.25 * per) || spent >= 8 * warmNs || n >= 5e7) break;
      prev = per;
      n = Math.min(5e7, Math.max(2 * n, Math.round(warmNs / per)));
    }
    if (w.error) { r.error = w.error; p.kill(); continue; }
    const per = w.cpu / w.work;
    r.n = sizeOf(kase, o) || Math.max(kase.minN || 1000, Math.min(5e7, Math.round(targetNs / Math.max(per, 0.1))));
    live.push({ name, p, r });
  }
  for (let k = 0; k < rounds; k++) {
    for (let i = 0; i < live.length; i++) {
      const { p, r } = live[(i + k) % live.length];
      if (r.error || (k > 0 && r.spent > budgetNs)) continue;
      const m = await ask(p, { n: r.n }, 180e3);
      if (m.error) { r.error = m.error; continue; }
      r.spent += m.cpu;
      r.cpu.push(m.cpu / m.work);
      r.wall.push(m.wall / m.work);
    }
  }
  for (const { p } of live) p.connected && p.send({ cmd: 'exit' });
  for (const r of Object.values(res)) {
    delete r.spent;
    if (!r.error) { r.ns = Math.min(...r.cpu); r.wallNs = Math.min(...r.wall); }
  }
  return res;
}

async function memoryCase(kase, impls, o) {
  const n = sizeOf(kase, o);
  const res = {};
  for (const name of impls) {
    const p = spawnChild(name, kase.id);   // fresh process each: heaps do not interfere
    const m = await ask(p, { cmd: 'memory', n }, 180e3);
    if (p.connected) p.send({ cmd: 'exit' });
    res[name] = m.error ? { error: m.error } : { n, ...m.mem };
  }
  return res;
}

const fmt = (x, d = 1) => (x === undefined ? '-' : x >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(d));
const pad = (s, w) => String(s).padStart(w);

function table(rows, impls) {
  const w0 = Math.max(...rows.map((r) => r.title.length)) + 2;
  const W = 22;
  let out = `${'case'.padEnd(w0)}${impls.map((n) => pad(n, W)).join('')}\n`;
  for (const row of rows) {
    out += row.title.padEnd(w0);
    for (const n of impls) {
      const v = row.vals[n];
      if (!v || v.error) { out += pad(v ? 'ERROR' : '-', W); continue; }
      const base = row.vals.floor && !row.vals.floor.error ? row.vals.floor.x : undefined;
      const ratio = base ? ` (x${(v.x / base).toFixed(2)})` : '';
      out += pad(`${fmt(v.x)}${ratio}`, W);
    }
    out += '\n';
  }
  return out;
}

function targets(R, skipped, quick) {
  const get = (c, n, k = 'ns') => R[c] && R[c][n] && !R[c][n].error ? R[c][n][k] : undefined;
  const T = [];
  // what, measured value, the limit and its unit (how the verdict line shows them), predicate
  const add = (what, v, limit, ok, unit) => T.push({ what, value: v, limit, unit, met: v === undefined ? null : ok(v) });
  const s = (c, k) => get(c, 'stackless', k);
  const ratio = (c) => (s(c) !== undefined && get(c, 'floor') ? s(c) / get(c, 'floor') : undefined);
  add('soft channel hop', ratio('hop'), 1.5, (v) => v <= 1.5, 'x floor');
  for (const peer of PEERS) {
    const v = s('hop') !== undefined && get('hop', peer) ? get('hop', peer) / s('hop') : undefined;
    add(`soft channel hop, speed-up over ${peer}`, v, 10, (x) => x >= 10, 'x');
  }
  add('RSS per blocked soft tasklet', s('memory', 'rssPerTasklet'), 400, (v) => v <= 400, ' B');
  add('1M blocked soft tasklets created', ratio('block1m'), 1.2, (v) => v <= 1.2, 'x floor');
  add('spawn-run-finish', ratio('spawn'), 1.5, (v) => v <= 1.5, 'x floor');
  let out = '';
  if (s('mixed') !== undefined && s('hop') !== undefined && s('native') !== undefined) {
    out += `Mixed native/JS hop (no floor: the others have no native tasklets): ${fmt(s('mixed'))} ns = ` +
      `${(s('mixed') / s('hop')).toFixed(2)}x the soft hop, ${(s('mixed') / s('native')).toFixed(2)}x the native hop of this run\n\n`;
  }
  out += 'Targets for stackless (ratios are against the floor measured in this run):\n';
  if (skipped) out += `  (${skipped})\n`;
  if (quick) out += '  (quick run: smaller sizes and fewer rounds; a smoke test, not the verdict)\n';
  // e.g. "soft channel hop   1.42x floor  (target <= 1.5x floor)  MET"
  for (const t of T) {
    const state = t.met === null ? 'not measured' : t.met ? 'MET' : 'NOT MET';
    const cmp = t.what.includes('speed-up') ? '>=' : '<=';
    const value = t.value === undefined ? '-' : `${fmt(t.value, 2)}${t.unit}`;
    out += `  ${t.what.padEnd(40)} ${pad(value, 12)}  (target ${cmp} ${t.limit}${t.unit})`.padEnd(82) + `${state}\n`;
  }
  return { T, text: out };
}

async function main() {
  const o = opts();
  const t0 = Date.now();
  const avail = [];
  const status = {};
  for (const [name, file] of IMPLS) {
    try { require(file); avail.push(name); status[name] = { available: true }; } catch (e) {
      status[name] = { available: false, reason: String(e.message).split('\n')[0] };
      console.log(`skipping ${name}: ${status[name].reason}`);
    }
  }
  if (!global.gc) console.log('note: run with node --expose-gc (the children get it anyway)');
  console.log(`node ${process.version}, ${o.quick ? 'quick' : 'full'} run, CPU time best of ${o.quick ? '3 (1 for fixed-size)' : 5} rounds (fewer past a per-implementation time budget)\n`);
  const R = {};
  const selected = cases.filter((c) => !o.only || o.only.includes(c.id));
  for (const kase of selected) {
    process.stdout.write(`  ${kase.title} ...`);
    const c0 = Date.now();
    const impls = kase.needs ? avail.filter((n) => typeof require(IMPLS.find(([m]) => m === n)[1])[kase.needs] === 'function') : avail;
    R[kase.id] = kase.memory ? await memoryCase(kase, impls, o) : await timedCase(kase, impls, o);
    console.log(` ${((Date.now() - c0) / 1000).toFixed(1)} s`);
    for (const [name, r] of Object.entries(R[kase.id])) {
      if (r.error) console.log(`    ${name} FAILED: ${r.error}`);
    }
  }
  const rows = [];
  for (const kase of selected) {
    const vals = (k) => Object.fromEntries(Object.entries(R[kase.id]).map(([n, r]) => [n, r.error ? r : { x: r[k] }]));
    if (kase.memory) {
      const N = `N=${fmt(sizeOf(kase, o))}`;
      rows.push({ title: `memory per blocked tasklet, heap+external, ${N} (B)`, vals: vals('heapPerTasklet') });
      rows.push({ title: `memory per blocked tasklet, RSS, ${N} (B)`, vals: vals('rssPerTasklet') });
    } else {
      const size = kase.fixedN ? `, N=${fmt(sizeOf(kase, o))}` : '';
      rows.push({ title: `${kase.title}${size} (${kase.unit})`, vals: vals('ns') });
    }
  }
  console.log(`\n${table(rows, avail)}(xN = ratio to the floor in this run; lower is better)\n`);
  const tg = targets(R, status.stackless.available ? '' : `stackless skipped: ${status.stackless.reason}`, o.quick);
  console.log(tg.text);
  console.log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (o.json) {
    const doc = { node: process.version, platform: `${process.platform}-${process.arch}`, quick: o.quick,
      date: new Date().toISOString(), unit: 'ns of CPU time per operation (best round)', impls: status,
      results: R, targets: tg.T };
    fs.writeFileSync(path.resolve(o.json), JSON.stringify(doc, null, 2));
    console.log(`wrote ${o.json}`);
  }
  const failed = Object.values(R).some((c) => Object.values(c).some((r) => r.error));
  process.exitCode = failed ? 1 : 0;
}

// (last: main() uses the module's constants synchronously before its first await)
if (process.argv[2] === '--child') child(process.argv[3], process.argv[4]);
else main().catch((e) => { console.error(e); process.exit(1); });
