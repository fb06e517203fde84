// worker_threads (NODE.md 6): each Node thread that uses the module has its own scheduler and
// main tasklet; tasklets and channels belong to the thread that made them.
import { describe, it, expect } from 'vitest';
import { Worker } from 'worker_threads';
import { require, S, dist, gc, expectIdleAfterEach } from './support.mjs';

// The work every thread does, main included (also as source for the workers).
const WORK = `
const S = require(${JSON.stringify(dist)});
const collect = () => { if (process.env.STACKLESS_GC) global.gc(); };
function pingpong(n) {
  const ch = new S.channel();
  let sum = 0;
  new S.tasklet(function* () { for (let i = 0; i < n; i++) sum += yield ch.receive_nr(); }).setup();
  new S.tasklet(function* () { for (let i = 0; i < n; i++) { yield ch.send_nr(i); if (i % 5000 === 0) collect(); } }).setup();
  S.run();
  return sum;
}
// three busy generators under the watchdog: interrupted ones are re-inserted
function watchdog() {
  const now = () => Number(process.hrtime.bigint() / 1000n);
  const steps = [0, 0, 0];
  const ts = steps.map((_, k) => new S.tasklet(function* () {
    for (let i = 0; i < 30; i++) { const t0 = now(); while (now() - t0 < 100); steps[k]++; yield i; }
  }).setup());
  let interrupted = 0;
  for (;;) {
    const t = S.run(500);
    if (t === undefined) break;
    interrupted++;
    t.insert();
  }
  return { steps, interrupted, alive: ts.some((t) => t.alive) };
}
// native tasklets echo on a channel
function native() {
  const ch = new S.channel();
  S._internal.nativeTasklet(1, ch, 3);
  const got = [];
  for (let i = 0; i < 3; i++) { ch.send('v' + i); got.push(ch.receive()); }
  return got;
}
async function awaitTimer() {
  let v;
  const t = new S.tasklet(function* () { v = yield S.await_nr(new Promise((r) => setTimeout(() => r('timer'), 5))); }).setup();
  S.run();
  while (t.alive) await new Promise((r) => setTimeout(r, 1));
  return v;
}
async function all() {
  return { pingpong: pingpong(20000), watchdog: watchdog(), native: native(), timer: await awaitTimer(),
           threads: S.getthreads(), runcount: S.getruncount() };
}
`;

// Runs `body` (worker source, after WORK) in a worker, posts `post` to it; resolves with its
// messages and exit code.
function runWorker(body, { onMessage, post } = {}) {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORK + body, { eval: true });   // (--expose-gc is process-wide: workers have gc() too)
    const messages = [];
    w.on('message', (m) => {
      messages.push(m);
      if (onMessage) onMessage(m, w);
    });
    w.on('error', reject);
    w.on('exit', (code) => resolve({ messages, code }));
    if (post !== undefined) w.postMessage(post);
  });
}

const mainWork = new Function('require', `${WORK}; return all;`)(require);

function checkAll(r) {
  expect(r.pingpong).toBe(20000 * 19999 / 2);
  expect(r.watchdog.steps).toEqual([30, 30, 30]);
  expect(r.watchdog.interrupted).toBeGreaterThan(0);
  expect(r.watchdog.alive).toBe(false);
  expect(r.native).toEqual(['v0', 'v1', 'v2']);
  expect(r.timer).toBe('timer');
  expect(r.runcount).toBe(1);
  expect(r.threads.length).toBe(1);
}

expectIdleAfterEach();

describe('worker_threads', () => {
  it('each worker has its own scheduler: channels, generator tasklets, watchdog, native tasklets, await_nr, concurrently with main', async () => {
    const workers = [0, 1, 2].map(() => runWorker('all().then((r) => require("worker_threads").parentPort.postMessage(r));'));
    const mine = await mainWork();
    checkAll(mine);
    const results = await Promise.all(workers);
    const ids = new Set([mine.threads[0]]);
    for (const { messages, code } of results) {
      expect(code).toBe(0);
      expect(messages.length).toBe(1);
      checkAll(messages[0]);
      ids.add(messages[0].threads[0]);
    }
    expect(ids.size).toBe(4);   // four threads, four schedulers
  });

  it('terminating a worker with blocked tasklets (generator, native, awaiting) and callbacks installed does not crash', async () => {
    for (const busy of [false, true]) {
      const { messages, code } = await runWorker(`
        const { parentPort } = require('worker_threads');
        const ch = new S.channel();
        for (let i = 0; i < 1000; i++) new S.tasklet(function* () { yield ch.receive_nr(); }).setup();
        S._internal.nativeTasklet(1, ch, 1);
        new S.tasklet(function* () { yield S.await_nr(new Promise(() => {})); }).setup();
        S.set_schedule_callback(() => {});
        S.set_channel_callback(() => {});
        S.set_error_handler(() => {});
        S.run();
        parentPort.postMessage(ch.balance);
        setInterval(() => {}, 1000);   // it ends only by terminate()
        if (${busy}) {
          new S.tasklet(function* () { for (;;) yield S.schedule_nr(); }).setup();
          for (;;) S.run(100);
        }
      `, { onMessage: (m, w) => w.terminate() });
      expect(messages).toEqual([-1001]);
      expect(code).toBe(1);   // terminated
    }
    // the main thread's scheduler is unaffected
    const ch = new S.channel();
    new S.tasklet(function* () { yield ch.send_nr('still fine'); }).setup();
    expect(ch.receive()).toBe('still fine');
    S.run();
  });

  it('workers that end on their own with blocked tasklets, one after the other', async () => {
    for (let i = 0; i < 8; i++) {
      const { code } = await runWorker(`
        const ch = new S.channel();
        for (let i = 0; i < 100; i++) new S.tasklet(function* () { yield ch.receive_nr(); }).setup();
        S.run();
        if (${i % 2}) process.exit(3);
      `);
      expect(code).toBe(i % 2 ? 3 : 0);
    }
  });

  it("tasklets of two threads talk through the worker's port with await_nr(events.once(...))", async () => {
    const { once } = require('events');
    const replies = [];
    const w = new Worker(WORK + `
      const { parentPort } = require('worker_threads');
      const { once } = require('events');
      new S.tasklet(function* () {
        for (;;) {
          const [m] = yield S.await_nr(once(parentPort, 'message'));
          if (m === 'stop') return parentPort.close();
          parentPort.postMessage(m * m);
        }
      }).setup();
      S.run();
    `, { eval: true });
    const t = new S.tasklet(function* () {
      for (let i = 1; i <= 3; i++) {
        w.postMessage(i);
        const [reply] = yield S.await_nr(once(w, 'message'));
        replies.push(reply);
      }
      w.postMessage('stop');
    }).setup();
    S.run();
    const [code] = await once(w, 'exit');
    expect(code).toBe(0);
    expect(t.alive).toBe(false);
    expect(replies).toEqual([1, 4, 9]);
  });

  it('a channel posted to another thread arrives as a plain object that nothing accepts as a channel', async () => {
    const ch = new S.channel();
    const { messages } = await runWorker(`
      const { parentPort } = require('worker_threads');
      parentPort.once('message', ({ ch, mainThread }) => {
        const out = { isChannel: ch instanceof S.channel, send: typeof ch.send };
        out.mirror = S.PyChannel_Send(ch, 1);
        out.error = String(S.PyErr_Fetch());
        try { S.get_thread_info(mainThread); } catch (e) { out.info = e.constructor.name + ': ' + e.message; }
        parentPort.postMessage(out);
      });
    `, { post: { ch, mainThread: S.getthreads()[0] }, onMessage: (m, w) => w.terminate() });
    expect(messages).toEqual([{
      isChannel: false, send: 'undefined', mirror: -1, error: 'TypeError: argument must be a channel',
      info: 'RuntimeError: Thread id not found',
    }]);
    // a tasklet bound to a function cannot be cloned at all
    const w = new Worker('', { eval: true });
    expect(() => w.postMessage(new S.tasklet(function* () {}))).toThrow(/could not be cloned/);
    await w.terminate();
    expect(ch.balance).toBe(0);
  });

  it('bind_thread: a no-op for the own thread; another thread refused after the checks of API.md 2.2', async () => {
    const ch = new S.channel();
    const paused = new S.tasklet(function* () {});
    const blocked = new S.tasklet(function* () { yield ch.receive_nr(); }).setup();
    S.run();   // it blocks
    const queued = new S.tasklet(function* () {}).setup();   // runnable
    const seen = {};
    const tr = (f) => { try { f(); return 'ok'; } catch (e) { return `${e.constructor.name}: ${e.message}`; } };
    await runWorker(`
      const { parentPort } = require('worker_threads');
      parentPort.postMessage(S.getthreads()[0]);   // a thread that uses stackless
      parentPort.once('message', () => process.exit(0));
    `, { onMessage: (other, w) => {
      seen.own = [tr(() => paused.bind_thread()), tr(() => blocked.bind_thread(S.getthreads()[0]))];
      seen.other = [tr(() => paused.bind_thread(other)), tr(() => blocked.bind_thread(other))];
      seen.runnable = tr(() => queued.bind_thread(other));
      seen.unknown = tr(() => paused.bind_thread(other + 1));
      seen.mirror = [S.PyTasklet_BindThread(paused, -1), S.PyTasklet_BindThread(paused, other), String(S.PyErr_Fetch())];
      w.postMessage('done');
    } });
    const notYet = 'RuntimeError: binding a tasklet to another thread is not supported yet';
    expect(seen).toEqual({
      own: ['ok', 'ok'], other: [notYet, notYet], runnable: "RuntimeError: can't (re)bind a runnable tasklet",
      unknown: 'ValueError: bad thread', mirror: [0, -1, notYet],
    });
    expect(tr(() => paused.bind_thread(-2))).toBe("OverflowError: can't convert negative int to unsigned");
    expect(tr(() => paused.bind_thread('1'))).toBe("TypeError: 'string' object cannot be interpreted as an integer");
    blocked.kill();
    queued.kill();
  });
});
