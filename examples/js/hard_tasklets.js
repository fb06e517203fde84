// Hard tasklets: plain functions that block anywhere, and preemption of CPU-bound JS.
//   node examples/js/hard_tasklets.js      (after npm run build:addon && npm run build:hard && npm run build:lib)
'use strict';
const stackless = require('../..');

if (!stackless.hard_available) {
  console.log('the hard-tasklet module is not built for this Node: run npm run build:hard');
  process.exit(0);
}

// 1. Block deep inside ordinary code: a callback inside a helper inside the tasklet.
const requests = new stackless.channel();
const replies = new stackless.channel();
function lookup(keys) {
  return keys.map((k) => { requests.send(k); return replies.receive(); });   // blocks in map's callback
}
new stackless.tasklet(function client() {
  console.log('client got', lookup(['a', 'b', 'c']).join(' '));
}).setup();
new stackless.tasklet(function* server() {              // a generator tasklet serves it
  for (;;) { const k = yield requests.receive_nr(); yield replies.send_nr(k.toUpperCase()); }
}).setup();
stackless.run();

// 2. Preempt CPU-bound functions that never yield: run(timeout) hands back the one that ran
//    out of time, paused with its state; insert() continues it later.
const counts = [0, 0, 0];
const workers = counts.map((_, i) => new stackless.tasklet(function spin() {
  while (counts[i] < 2e7) counts[i]++;
}).setup());
let preemptions = 0;
for (;;) {
  const paused = stackless.run(2000);   // 2 ms slices
  if (!paused) break;                   // every worker finished
  preemptions++;
  paused.insert();
}
console.log(`3 CPU-bound workers finished after ${preemptions} preemptions:`, counts.every((c) => c === 2e7));
console.log('all done:', workers.every((t) => !t.alive));
