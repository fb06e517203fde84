// hard.ts - finds and loads the hard-tasklet module (native/hard, built per Node ABI into
// build-hard/abi<N>/), and keeps each hard tasklet's async context (AsyncLocalStorage) its own.
//
// The module is optional: `hard_available` says whether a build for this Node's ABI exists (and
// STACKLESS_NO_HARD is not set). It is loaded at the first hard tasklet, not before.
import * as fs from 'fs';
import * as path from 'path';
import { executionAsyncResource } from 'async_hooks';

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
// - on the current async resource, under a per-store symbol `kResourceStore` (async_hooks based,
//   the default up to Node 22): a hard tasklet runs on the host's resource, so its stores are
//   moved on and off that object around each step;
// - in the isolate's async context frame (Node 24's AsyncContextFrame): swapped by the module.
// A tasklet starts with the context of the code that set it up, as an async resource would.

type Stores = [symbol, unknown][] | null;

function storesOf(res: any): Stores {
  if (res === null || typeof res !== 'object') return null;
  let out: Stores = null;
  for (const s of Object.getOwnPropertySymbols(res)) {
    if (s.description === 'kResourceStore') (out ??= []).push([s, res[s]]);
  }
  return out;
}

function putStores(res: any, stores: Stores): void {
  if (res === null || typeof res !== 'object') return;
  for (const s of Object.getOwnPropertySymbols(res)) {
    if (s.description === 'kResourceStore') delete res[s];
  }
  if (stores) for (const [s, v] of stores) res[s] = v;
}

/** A hard tasklet's async context. */
export interface AsyncCtx { stores: Stores; frame: unknown }

/** The context of the code running now (for a tasklet being set up). */
export function captureContext(): AsyncCtx {
  const frame = H ? H.swapContext() : undefined;   // (no argument: reads, changes nothing)
  return { stores: storesOf(executionAsyncResource()), frame };
}

/** Around a step of tasklet t (ctx: its context): install ctx, run step, save what t left. */
export function withContext<T>(ctx: AsyncCtx, step: () => T): T {
  const res = executionAsyncResource();
  const outer = storesOf(res);
  putStores(res, ctx.stores);
  const outerFrame = H.swapContext(ctx.frame);
  try {
    return step();
  } finally {
    ctx.frame = H.swapContext(outerFrame);
    ctx.stores = storesOf(res);
    putStores(res, outer);
  }
}
