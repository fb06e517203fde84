// event_loop.js - generator tasklets waiting for promises (timers, files) with await_nr.
//
//   npm run build:addon && npm run build:lib && node examples/js/event_loop.js
//
// `const v = yield stackless.await_nr(promise)` blocks the tasklet until the promise settles;
// a rejection is thrown at the yield. stackless.run() returns as soon as no tasklet is
// runnable, and main goes back to Node's event loop: when a promise settles, its tasklet
// runs at once, and so does everything it wakes up on channels.
'use strict';
const stackless = require('../..');
const fs = require('fs');
const path = require('path');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const t0 = Date.now();
const stamp = () => `${String(Date.now() - t0).padStart(4)} ms`;

const reports = new stackless.channel();

// reads files one after the other; a missing one rejects, and the error is caught here
function* reader(files) {
  for (const f of files) {
    try {
      const text = yield stackless.await_nr(fs.promises.readFile(path.join(__dirname, f), 'utf8'));
      yield reports.send_nr(`reader: ${f} has ${text.split('\n').length} lines`);
    } catch (e) {
      yield reports.send_nr(`reader: ${f}: ${e.code}`);
    }
  }
  yield reports.send_nr('reader: done');
}

// a timer loop
function* ticker(n, ms) {
  for (let i = 1; i <= n; i++) {
    yield stackless.await_nr(sleep(ms));
    yield reports.send_nr(`ticker: tick ${i}`);
  }
  yield reports.send_nr('ticker: done');
}

// prints what the others report, until both are done
function* reporter() {
  let finished = 0;
  while (finished < 2) {
    const line = yield reports.receive_nr();
    console.log(`${stamp()}  ${line}`);
    if (line.endsWith(': done')) finished++;
  }
  console.log(`${stamp()}  reporter: everything done; the event loop has nothing left to do`);
}

new stackless.tasklet(reporter).setup();
new stackless.tasklet(reader).setup(['event_loop.js', 'no-such-file.txt', 'pipeline.js']);
new stackless.tasklet(ticker).setup(3, 20);
stackless.run();
console.log(`${stamp()}  main: run() returned, ${stackless.getruncount()} runnable; back to the event loop`);
