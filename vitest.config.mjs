import { defineConfig } from 'vitest/config';

// The addon keeps one scheduler per thread: each test file runs in its own forked process.
// STACKLESS_GC=1 runs the same suite under node --expose-gc; the tests then call gc() between
// steps (npm run test:js does both runs).
const gc = !!process.env.STACKLESS_GC;
export default defineConfig({
  test: {
    include: ['test/js/**/*.test.{js,mjs,ts}'],
    pool: 'forks',
    poolOptions: { forks: { execArgv: gc ? ['--expose-gc'] : [] } },
    env: { STACKLESS_GC: gc ? '1' : '' },
    testTimeout: 120000,
  },
});
