// require('stackless/bench'): the benchmark hooks (lib/bench.ts, compiled to dist/bench.js).
module.exports = require('./dist/bench.js');
