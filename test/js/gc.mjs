// gc(): a forced collection when the suite runs under STACKLESS_GC=1 (node --expose-gc; see
// vitest.config.mjs), nothing otherwise. Tests call it between steps, while tasklets are blocked.
export const gc = () => {
  if (process.env.STACKLESS_GC) {
    if (typeof global.gc !== 'function') throw new Error('STACKLESS_GC=1 needs node --expose-gc');
    global.gc();
  }
};
