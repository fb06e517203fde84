// Run by scripts/cmake-js-check.sh with STACKLESS_PREBUILD set: the package, loaded by its
// name, must use the addon given as argv[2] (the cmake-js build) and work.
'use strict';
const assert = require('assert');
const path = require('path');
const fs = require('fs');

const want = fs.realpathSync(process.argv[2]);
const root = path.dirname(require.resolve('stackless/package.json'));
const picked = fs.realpathSync(require('node-gyp-build').resolve(root));
assert.strictEqual(picked, want, `node-gyp-build picked ${picked}, not the cmake-js build`);

const stackless = require('stackless');
assert.ok(Object.values(require.cache).some((m) => fs.realpathSync(m.filename) === want),
  'the cmake-js addon is not among the loaded modules');

const ch = new stackless.channel();
const got = [];
new stackless.tasklet(function* () {
  for (let i = 1; i <= 3; i++) yield ch.send_nr({ i });
}).setup();
for (let i = 0; i < 3; i++) got.push(ch.receive().i);   // main blocks; the sender runs nested
assert.deepStrictEqual(got, [1, 2, 3]);
stackless.run();                                         // the sender finishes
assert.strictEqual(stackless.getruncount(), 1);
console.log(`cmake-js addon ${path.relative(root, want)}: loaded by name, channel exchange ok`);
console.log('1 passed, 0 failed');
