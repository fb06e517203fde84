// engines.js - a thread's tasklets start on the JS engine and move to the native core when it
// first needs the core (here: a hard tasklet), in the middle of the work, and nothing is lost.
//
//   npm run build:addon && npm run build:lib && node examples/js/engines.js
//
// STACKLESS_TRACE_HANDOVER=1 node examples/js/engines.js also prints where the hand-over happened.
'use strict';
const stackless = require('../..');

const jobs = new stackless.channel();
const results = new stackless.channel();

// 4 generator workers: each takes numbers from `jobs` and answers their squares on `results`
function* worker() {
  for (;;) {
    const n = yield jobs.receive_nr();
    if (n === null) return;
    yield results.send_nr(n * n);
  }
}
for (let i = 0; i < 4; i++) new stackless.tasklet(worker).setup();

// main feeds n jobs (each send runs a waiting worker at once) and sums what comes back
function round(n) {
  const t0 = process.hrtime.bigint();
  let sum = 0;
  for (let i = 1; i <= n; i++) {
    jobs.send(i);
    sum += results.receive();
  }
  const ns = Number(process.hrtime.bigint() - t0) / n / 4;   // 4 channel hops per job
  return { sum, ns };
}
const expected = (n) => (n * (n + 1) * (2 * n + 1)) / 6;

stackless.run();   // the workers start and wait for jobs
const N = 200000;
round(N);   // (warm-up: the JIT compiles the paths first)
const a = round(N);
console.log(`engine: ${stackless.engine()}, ${N} jobs, sum correct: ${a.sum === expected(N)}, ~${a.ns.toFixed(0)} ns per hop`);

// A plain function as a tasklet is a hard tasklet (when the hard module is built): the thread
// hands over to the core here, with the 4 workers blocked on `jobs`.
const greetings = new stackless.channel();
if (stackless.hard_available) {
  new stackless.tasklet(function greet() {
    const name = greetings.receive();   // blocks this plain function where it is
    console.log(`hard tasklet: hello ${name}`);
  }).setup();
} else {
  stackless._internal.nativeTasklet(0, undefined, 1);   // (without the hard module: a native one)
  console.log('hard tasklet: hello world');
}
stackless.run();
if (stackless.hard_available) greetings.send('world');

round(N);
const b = round(N);
console.log(`engine: ${stackless.engine()}, ${N} jobs, sum correct: ${b.sum === expected(N)}, ~${b.ns.toFixed(0)} ns per hop`);

for (let i = 0; i < 4; i++) jobs.send(null);   // the workers end
stackless.run();
console.log(`all workers done: ${stackless.getruncount() === 1 && jobs.balance === 0}`);
