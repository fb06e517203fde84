// The hand-over from the JS engine (lib/engine.ts) to the core (lib/index.ts toCore): a thread's
// tasklets run on the engine until it needs the core, then everything moves in, once, in the
// middle of whatever is going on. Each scenario runs in a fresh worker thread twice: once staying
// on the engine, once handing over at the marked point; the two logs must be the same, and the
// second thread must end on the core.
// Run twice by `npm run test:js`: plainly, and under node --expose-gc with gc() between steps.
import { describe, it, expect } from 'vitest';
import { Worker } from 'worker_threads';
import { S, dist } from './support.mjs';

const CORE = process.env.STACKLESS_ENGINE === 'core';

// body: JS source run in a new thread, with S (stackless), log(...values), handover() (the hand-over,
// through the C API's lookup, in the second run; nothing in the first).
function inThread(body, handover) {
  const src = `
    const { parentPort } = require('worker_threads');
    const S = require(${JSON.stringify(dist)});
    const out = [];
    const log = (...v) => out.push(v.map((x) => (x instanceof S.tasklet ? 'T' + names.get(x) : x instanceof Error ? x.name + ': ' + x.message : x)).join(' '));
    const names = new Map();
    const name = (t, n) => { names.set(t, n); return t; };
    const handover = () => { if (${handover}) globalThis[Symbol.for('stackless.capi')]; };
    try {
      ${body}
    } catch (e) {
      log('uncaught', e);
    }
    parentPort.postMessage({ out, engine: S.engine() });`;
  return new Promise((resolve, reject) => {
    const w = new Worker(src, { eval: true });   // (--expose-gc is the process's: gc() works in it)
    let msg;
    w.on('message', (m) => { msg = m; });
    w.on('error', reject);
    w.on('exit', (code) => (code === 0 && msg ? resolve(msg) : reject(new Error(`worker exit ${code}`))));
  });
}

// Runs body without and with the hand-over: same log, and the engine each run should end on.
async function same(body) {
  const ref = await inThread(body, false);
  const moved = await inThread(body, true);
  expect(ref.engine).toBe(CORE ? 'core' : 'js');
  expect(moved.engine).toBe('core');
  expect(moved.out).toEqual(ref.out);
  expect(ref.out.length).toBeGreaterThan(0);
  return ref.out;
}

describe('hand-over to the core', () => {
  it('from main: run queue order, blocked senders and receivers in order, paused tasklets, flags, ids, tempvals', async () => {
    const out = await same(`
      const a = new S.channel(), b = new S.channel();
      b.preference = 1;
      function* worker(n) { log('run', n); yield S.schedule_nr(); log('again', n); }
      function* recv(n) { log('recv', n, yield a.receive_nr()); }
      function* send(n) { yield b.send_nr('v' + n); log('sent', n); }
      const ts = [];
      for (let i = 0; i < 3; i++) ts.push(name(new S.tasklet(recv).setup(i), 'r' + i));
      for (let i = 0; i < 2; i++) ts.push(name(new S.tasklet(send).setup(i), 's' + i));
      S.run();                                   // they block
      for (let i = 0; i < 3; i++) ts.push(name(new S.tasklet(worker).setup(i), 'w' + i));
      const p = name(new S.tasklet(function* (x) { log('paused one', x, yield S.schedule_nr()); }), 'p');
      p.bind(undefined, ['px']);                 // bound with arguments, not scheduled: paused
      p.set_atomic(1);
      ts[0].block_trap = true;
      const ids = ts.map((t) => t.id);
      log('before', a.balance, b.balance, S.getruncount(), p.paused, p.atomic, ts[0].block_trap);
      handover();
      log('after', a.balance, b.balance, S.getruncount(), p.paused, p.atomic, ts[0].block_trap,
          ts.map((t) => t.id).join() === ids.join(), a.queue, a.queue.next, b.queue, ts[3].tempval);
      log('flags', ts.map((t) => [t.blocked, t.scheduled, t.alive].join('')).join(' '));
      S.run();
      for (let i = 0; i < 3; i++) a.send('x' + i);
      log(b.receive(), b.receive());
      p.insert();
      S.run();
      log('end', S.getruncount(), a.balance, b.balance, ts.every((t) => !t.alive), p.alive);`);
    expect(out).toContain('end 1 0 0 true false');
    expect(out[1]).toBe('after -3 2 4 true true true true Tr0 Tr1 Ts0 v0');
  });

  it('from a generator tasklet while main waits in run(), with others runnable and blocked', async () => {
    await same(`
      const ch = new S.channel();
      name(new S.tasklet(function* () { log('b0', yield ch.receive_nr()); }).setup(), 'b');
      name(new S.tasklet(function* () {
        log('g starts');
        yield S.schedule_nr();
        handover();                              // main waits in run(); h is runnable; b blocked
        log('g on', S.getcurrent());
        yield ch.send_nr('to b');
        log('g after send');
        yield S.schedule_nr();
        log('g ends');
      }).setup(), 'g');
      name(new S.tasklet(function* () { for (let i = 0; i < 4; i++) { log('h', i); yield S.schedule_nr(); } }).setup(), 'h');
      log('run returned', S.run());
      log('end', S.getruncount(), ch.balance);`);
  });

  it('from a generator tasklet while main is blocked in a plain receive', async () => {
    await same(`
      const ch = new S.channel();
      name(new S.tasklet(function* () {
        yield S.schedule_nr();
        handover();                              // main waits in ch.receive()
        log('t hands over, current', S.getcurrent());
        yield ch.send_nr('for main');
        log('t ends');
      }).setup(), 't');
      log('main got', ch.receive());
      S.run();
      log('end', S.getruncount());`);
  });

  it('a generator that yields a value, switches after, or throws right after the hand-over', async () => {
    const out = await same(`
      name(new S.tasklet(function* () {
        handover();
        const v = yield 42;                      // not a switch: it goes on with 42
        log('yielded back', v);
        yield S.schedule_nr();
        throw new S.ValueError('late');          // to run()'s caller
      }).setup(), 'y');
      name(new S.tasklet(function* () { log('other'); }).setup(), 'o');
      try { S.run(); } catch (e) { log('run threw', e); }
      log('end', S.getruncount());`);
    expect(out).toEqual(['yielded back 42', 'other', 'run threw ValueError: late', 'end 1']);
  });

  it('a tasklet that throws at once after handing over ends with the exception', async () => {
    const out = await same(`
      S.set_error_handler((type, value) => log('handler', type.name, value));
      name(new S.tasklet(function* () { handover(); throw new S.KeyError('k'); }).setup(), 'k');
      S.run();
      S.set_error_handler(undefined);
      log('end', S.getruncount());`);
    expect(out).toEqual(['handler KeyError KeyError: k', 'end 1']);
  });

  it('during a timed run(): the watchdog keeps its timeout and interrupts afterwards', async () => {
    const out = await same(`
      const spin = (ms) => { const t = Date.now(); while (Date.now() - t < ms); };
      const busy = name(new S.tasklet(function* () {
        handover();
        for (let i = 0; ; i++) { spin(1); yield i; }   // every yield is an interruption point
      }).setup(), 'busy');
      const r = S.run(5000);                     // 5 ms
      log('interrupted', r, r.paused);
      busy.kill();
      log('end', S.getruncount(), busy.alive);`);
    expect(out).toEqual(['interrupted Tbusy true', 'end 1 false']);
  });

  it('callbacks and switch_trap move with the thread', async () => {
    const out = await same(`
      const seen = [];
      S.set_schedule_callback((prev, next) => seen.push((prev === S.getmain() ? 'm' : 't') + (next === S.getmain() ? 'm' : 't')));
      S.set_channel_callback((ch, t, sending, willblock) => seen.push('c' + sending + willblock));
      S.switch_trap(1);
      S.switch_trap(-1);
      const ch = new S.channel();
      new S.tasklet(function* () { yield ch.send_nr(1); }).setup();
      handover();
      log('trap', S.switch_trap(0), 'got', ch.receive());
      S.run();
      S.set_schedule_callback(undefined);
      S.set_channel_callback(undefined);
      log(seen.join(' '));`);
    expect(out[0]).toBe('trap 0 got 1');
  });

  it('kill and throw reach tasklets that moved lazily (blocked, paused)', async () => {
    const out = await same(`
      const ch = new S.channel();
      const b = name(new S.tasklet(function* () { try { yield ch.receive_nr(); } finally { log('b cleans up'); } }).setup(), 'b');
      const c = name(new S.tasklet(function* () { try { yield ch.receive_nr(); } catch (e) { log('c caught', e); } }).setup(), 'c');
      S.run();
      const p = name(new S.tasklet(function* () { log('never'); }), 'p');
      p.bind(undefined, []);
      handover();
      c.throw(new S.ValueError('to c'));
      b.kill();
      p.kill();
      log('end', ch.balance, b.alive, c.alive, p.alive, S.getruncount());`);
    expect(out).toEqual(['c caught ValueError: to c', 'b cleans up', 'end 0 false false false 1']);
  });

  it('is refused inside a callback while the thread is on the engine, with a message that says why', async () => {
    if (CORE) return;   // (the thread starts on the core: nothing to refuse)
    const r = await inThread(`
      S.set_schedule_callback(() => {
        try { S._internal.nativeTasklet(0, undefined, 1); } catch (e) { log(e.name, /inside a callback/.test(e.message)); }
      });
      new S.tasklet(function* () {}).setup();
      S.run();
      S.set_schedule_callback(undefined);
      log(S.engine());`, false);
    expect(r.out).toEqual(['RuntimeError true', 'RuntimeError true', 'js']);
  });

  it('a native tasklet, a hard tasklet, and C code converting a JS object each start it', async () => {
    const r1 = await inThread(`log(S.engine()); S._internal.nativeTasklet(0, undefined, 1); log(S.engine()); S.run();`, false);
    expect(r1.out).toEqual([CORE ? 'core' : 'js', 'core']);
    if (S.hard_available) {
      const r2 = await inThread(`new S.tasklet(function () {}); log(S.engine()); S.run();`, false);
      expect(r2.out).toEqual(['core']);
    }
    const r3 = await inThread(`new S.tasklet(function () {}, null, null, { hard: false }).setup(); S.run(); log(S.engine());`, false);
    expect(r3.out).toEqual([CORE ? 'core' : 'js']);   // a plain function on the scheduler's stack: no
  });
});
