// worker_pool.js - a pool of CPU-heavy generator tasklets, preempted by the watchdog.
//
//   npm run build:addon && npm run build:lib && node examples/js/worker_pool.js
//
// Each worker counts the primes in its own range and yields every 200 numbers (`yield`
// of any value is an interruption point; it does not switch by itself). run(TIMESLICE) runs
// the pool; when a worker has used TIMESLICE microseconds without switching, run() returns
// it, paused. The loop re-inserts it at the end of the run queue, so every worker gets its
// turn: the progress report shows them advancing side by side, although none of them
// ever gives up the CPU voluntarily. The slices are equal, so the jobs with larger numbers
// (more divisions each) need more of them.
'use strict';
const stackless = require('../..');

const TIMESLICE = 1000;   // microseconds
const JOBS = [
  { name: 'A', from: 1000000, to: 1100000 },
  { name: 'B', from: 2000000, to: 2100000 },
  { name: 'C', from: 3000000, to: 3100000 },
];

function isPrime(n) {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

function* worker(job) {
  for (let n = job.from; n < job.to; n++) {
    if (isPrime(n)) job.primes++;
    job.done = n + 1 - job.from;
    if (n % 200 === 0) yield;   // an interruption point, not a switch
  }
}

const bar = (job) => {
  const f = job.done / (job.to - job.from);
  return `${job.name} ${'#'.repeat(Math.round(f * 20)).padEnd(20, '.')} ${String(Math.round(f * 100)).padStart(3)}%`;
};

for (const job of JOBS) {
  Object.assign(job, { primes: 0, done: 0, slices: 0 });
  job.tasklet = new stackless.tasklet(worker).setup(job);
}

let preemptions = 0;
for (;;) {
  const victim = stackless.run(TIMESLICE);   // undefined: every worker has finished
  if (victim === undefined) break;
  preemptions++;
  const job = JOBS.find((j) => j.tasklet === victim);
  job.slices++;
  if (preemptions % 40 === 0) console.log(`after ${String(preemptions).padStart(3)} preemptions: ${JOBS.map(bar).join('  ')}`);
  victim.insert();   // to the end of the run queue: the others go first
}

console.log(`all done after ${preemptions} preemptions`);
for (const job of JOBS) {
  console.log(`worker ${job.name}: ${job.primes} primes in [${job.from}, ${job.to}), preempted ${job.slices} times`);
}
