// hard.ts - finds and loads the hard-tasklet module (native/hard, built per Node ABI into
// build-hard/abi<N>/), and keeps each hard tasklet's async context (AsyncLocalStorage) its own.
//
// The module is optional: `hard_available` says whether a build for this Node's ABI exists (and
// STACKLESS_NO_HARD is not set). It is loaded at the first hard tasklet, not before.
import * as fs from 'fs';
import * as path from 'path';
import { AsyncLocalStorage, AsyncResource } from 'async_hooks';

const ABI = process.versions.modules;
const file = path.join(__dirname, '..', 'build-hard', `abi${ABI}`, 'stackless_hard.node');

export const hard_available: boolean = !process.env.STACKLESS_NO_HARD && fs.existsSync(file);

let H: any = null;

/** The loaded module, initialised with the addon's interface and lib's entry points. */
export function loadHard(iface: bigint, run: () => void, abort: (msg?: string) => void): any {
  if (H) return H;
  let m: any;
  try {
    m = require(file);
  } catch (e) {
    throw new Error(`stackless: the hard-tasklet module ${file} did not load (${(e as Error).message}); ` +
      'rebuild it for this Node with `npm run build:hard`, or pass { hard: false }');
  }
  m.init(iface, run, abort);
  H = m;
  return m;
}

/** The loaded module, or null. */
export function hardModule(): any { return H; }

// ---- async context ----------------------------------------------------------------------------
// AsyncLocalStorage keeps its stores in one of two places, depending on the Node version:
// - on the current async resource (async_hooks based, the default up to Node 22): each hard
//   tasklet is an AsyncResource of its own, and its steps run in its scope, so the stores it
//   sets stay on its resource across switches, and main's stay on main's;
// - in the isolate's async context frame (Node 24's AsyncContextFrame): the module swaps the
//   frame around each step and keeps what the tasklet left in it.
// Either way a tasklet starts with the context of the code that set it up, as an async resource
// would.

// Which of the two, found at the first hard tasklet (a frame-based AsyncLocalStorage has no
// per-instance resource symbol; making one enables nothing)
let frameMode: boolean | undefined;

/** A hard tasklet's async context. */
export type AsyncCtx = AsyncResource | { frame: unknown };

/** The context of the code running now (for a tasklet being set up). */
export function captureContext(): AsyncCtx {
  frameMode ??= !('kResourceStore' in (new AsyncLocalStorage() as object));
  if (frameMode) return { frame: H.swapContext() };   // (no argument: reads, changes nothing)
  return new AsyncResource('STACKLESS_TASKLET');
}

/** Runs step (a step of the tasklet whose context is ctx) in that context, and keeps what the
 * tasklet leaves in it. */
export function withContext<T>(ctx: AsyncCtx, step: () => T): T {
  if (!frameMode) return (ctx as AsyncResource).runInAsyncScope(step);
  const c = ctx as { frame: unknown };
  const outer = H.swapContext(c.frame);
  try {
    return step();
  } finally {
    c.frame = H.swapContext(outer);
  }
}
