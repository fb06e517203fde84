// pipeline.js - a pipeline of stages: generator tasklets connected by channels.
//
//   npm run build:addon && npm run build:lib && node examples/js/pipeline.js
//
// parse -> convert -> aggregate: each stage is a tasklet that receives from the channel before
// it and sends to the channel after it. A stage blocks only itself (`yield ch.receive_nr()`),
// so the records flow through the stages one at a time, with no buffers in between. END,
// passed down the pipeline, tells each stage to finish.
'use strict';
const stackless = require('../..');

const END = Symbol('end of input');

const INPUT = `
date,city,amount,currency
2024-03-01,Lisbon,120.50,EUR
2024-03-01,Oslo,900,NOK
2024-03-02,Lisbon,80,EUR
2024-03-02,Boston,45.25,USD
2024-03-03,Oslo,450,NOK
bad line without fields
2024-03-03,Boston,100,USD
2024-03-04,Lisbon,19.50,EUR
`;

const TO_EUR = { EUR: 1, USD: 0.9, NOK: 0.085 };

// stage 1: text lines -> records (a malformed line is reported and skipped)
function* parse(lines, out) {
  for (const line of lines) {
    const [date, city, amount, currency] = line.split(',');
    if (currency === undefined) {
      console.log(`parse:     skipped "${line}"`);
      continue;
    }
    yield out.send_nr({ date, city, amount: Number(amount), currency });
  }
  yield out.send_nr(END);
}

// stage 2: records -> amounts in euros
function* convert(inp, out) {
  for (;;) {
    const r = yield inp.receive_nr();
    if (r === END) break;
    const eur = r.amount * TO_EUR[r.currency];
    console.log(`convert:   ${r.city.padEnd(7)} ${String(r.amount).padStart(7)} ${r.currency} = ${eur.toFixed(2).padStart(7)} EUR`);
    yield out.send_nr({ city: r.city, eur });
  }
  yield out.send_nr(END);
}

// stage 3: totals per city, sent to whoever waits for the result
function* aggregate(inp, result) {
  const totals = new Map();
  for (;;) {
    const r = yield inp.receive_nr();
    if (r === END) break;
    totals.set(r.city, (totals.get(r.city) || 0) + r.eur);
  }
  yield result.send_nr(totals);
}

const lines = INPUT.trim().split('\n').slice(1);   // without the header
const records = new stackless.channel();
const euros = new stackless.channel();
const result = new stackless.channel();
new stackless.tasklet(parse).setup(lines, records);
new stackless.tasklet(convert).setup(records, euros);
new stackless.tasklet(aggregate).setup(euros, result);

// main blocks on the last channel from plain code: the stages run nested until it arrives
const totals = result.receive();
console.log('totals in EUR:');
for (const [city, eur] of [...totals].sort((a, b) => b[1] - a[1])) {
  console.log(`  ${city.padEnd(7)} ${eur.toFixed(2).padStart(8)}`);
}
stackless.run();   // let the last stage finish
