// producer_consumer.js - generator tasklets sharing a channel (the Node module preview).
//
//   npm run build:addon && npm run build:lib && node examples/js/producer_consumer.js
//
// Each tasklet is a generator; `yield ch.send_nr(x)` / `yield ch.receive_nr()` block only that
// tasklet. The main program blocks on a channel from plain code at the end: the scheduler runs
// the other tasklets nested until a value arrives.
'use strict';
const stackless = require('../..');

const items = new stackless.channel();
const done = new stackless.channel();

function* producer(name, n) {
  for (let i = 1; i <= n; i++) {
    console.log(`  ${name.padEnd(8)} sends ${name}-${i}`);
    yield items.send_nr(`${name}-${i}`);
  }
}

function* consumer(total) {
  const got = [];
  for (let i = 0; i < total; i++) {
    const item = yield items.receive_nr();
    console.log(`  consumer got   ${item}`);
    got.push(item);
  }
  yield done.send_nr(got.length);
}

new stackless.tasklet(consumer).setup(6);
new stackless.tasklet(producer).setup('alpha', 3);
new stackless.tasklet(producer).setup('beta', 3);
console.log(`consumer finished after ${done.receive()} items`);
