// A C tasklet (squares.c, built with `npm run build:example-addon`) between two JS generator
// tasklets: a producer sends numbers, the C tasklet squares them, a consumer adds them up.
// In an application: require('stackless') and your addon's own path.
const stackless = require('../..');   // load stackless first: it registers the C API table
const { squarer } = require('./build/Release/squares.node');

const numbers = new stackless.channel();
const squares = new stackless.channel();

squarer(numbers, squares);   // a native C tasklet, scheduled

new stackless.tasklet(function* producer() {
  for (let i = 1; i <= 10; i++) yield numbers.send_nr(i);
  yield numbers.send_nr(undefined);   // None: the C tasklet returns
}).setup();

new stackless.tasklet(function* consumer() {
  let sum = 0;
  for (let i = 1; i <= 10; i++) sum += yield squares.receive_nr();
  console.log(`sum of the squares of 1..10, squared in C: ${sum}`);
}).setup();

stackless.run();
