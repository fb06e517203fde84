// Shared by the test files: the built module, gc() for the STACKLESS_GC=1 run, and the check
// that a test leaves the scheduler idle.
import { describe, it, expect, afterEach } from 'vitest';
import { createRequire } from 'module';
import * as path from 'path';
import { fileURLToPath } from 'url';

export const require = createRequire(import.meta.url);
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const dist = path.join(root, 'dist/index.js');
export const S = require(dist);

/** gc() under STACKLESS_GC=1 (node --expose-gc), else nothing. */
export function gc() {
  if (process.env.STACKLESS_GC) {
    if (typeof global.gc !== 'function') throw new Error('STACKLESS_GC=1 needs node --expose-gc');
    global.gc();
  }
}

/** After every test of the calling file: a collection, then only main is runnable, and current. */
export function expectIdleAfterEach() {
  afterEach(() => {
    gc();
    expect(S.getruncount()).toBe(1);
    expect(S.getcurrent()).toBe(S.getmain());
  });
}

/** A test that checks that every test above it in the file ran on the JS engine (or, with
 * STACKLESS_ENGINE=core, on the core): a file puts the tests that need the core after it. */
export function checkEngineSoFar() {
  describe('the JS engine', () => {
    it('ran every test above', () => {
      expect(S.engine()).toBe(process.env.STACKLESS_ENGINE === 'core' ? 'core' : 'js');
    });
  });
}
