// worker_threads.js - one scheduler per thread: each worker runs tasklets and channels of its
// own, in parallel with the main thread, and tasklets of different threads talk through
// Node's message ports.
//
//   npm run build:addon && npm run build:lib && node examples/js/worker_threads.js
//
// Tasklets and channels belong to the thread that made them (a channel cannot be posted to
// another thread); a tasklet waits for a message with
// `const [msg] = yield stackless.await_nr(events.once(port, 'message'))`.
'use strict';
const { Worker, isMainThread, parentPort, workerData, threadId } = require('worker_threads');
const events = require('events');
const stackless = require('../..');

if (!isMainThread) {
  // In a worker: a producer and a consumer tasklet on a channel of this thread's scheduler.
  const { from, to } = workerData;
  const numbers = new stackless.channel();

  function* producer() {
    for (let i = from; i <= to; i++) yield numbers.send_nr(i);
    yield numbers.send_nr(null);   // the end
  }

  function* consumer() {
    let sum = 0;
    let count = 0;
    for (let n; (n = yield numbers.receive_nr()) !== null; count++) sum += n ** 2;
    parentPort.postMessage({ thread: threadId, from, to, count, sum });
  }

  new stackless.tasklet(consumer).setup();
  new stackless.tasklet(producer).setup();
  stackless.run();   // this worker's own run(): the main thread's tasklets are not involved
} else {
  const ranges = [[1, 1000], [1001, 2000]];
  const workers = ranges.map(([from, to]) => new Worker(__filename, { workerData: { from, to } }));
  // (listen before anything can arrive: a message emitted before once() is called is missed)
  const replies = workers.map((w) => events.once(w, 'message'));
  const lines = new stackless.channel();

  // waits for the workers' replies, in order, and hands each on as a line of text
  function* collector() {
    let total = 0;
    for (const reply of replies) {
      const [m] = yield stackless.await_nr(reply);
      total += m.sum;
      yield lines.send_nr(`thread ${m.thread}: ${m.count} squares of ${m.from}..${m.to} add up to ${m.sum}`);
    }
    yield lines.send_nr(`thread ${threadId} (main): total ${total}`);
    yield lines.send_nr(null);   // the end
  }

  // prints the lines; a tasklet of the main thread, blocked while the workers compute
  function* printer() {
    for (let line; (line = yield lines.receive_nr()) !== null;) console.log(line);
  }

  new stackless.tasklet(printer).setup();
  new stackless.tasklet(collector).setup();
  stackless.run();   // returns at once: both tasklets wait (for a message, for a line)
  console.log(`thread ${threadId} (main): run() returned; the workers compute meanwhile`);
}
