// stackless/bench: hooks a benchmark harness can call without knowing the internals (issue 3).
//
//   const { native_pingpong } = require('stackless/bench');
//   native_pingpong(1e6);   // one million round trips between two native C tasklets
import { _internal } from './index';

/**
 * native_pingpong(n): runs n round trips between two native C tasklets over one channel (the
 * first sends a number, the second receives it and sends it back) and returns when both have
 * finished. Returns the number of values the receiving tasklet saw, which is n. The calling
 * (main) tasklet waits on a channel meanwhile; other runnable tasklets run too, so time it with
 * none.
 */
export function native_pingpong(n: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw new TypeError(`native_pingpong(n): n must be an integer number of round trips, not ${typeof n === 'number' ? n : typeof n}`);
  }
  if (n < 0 || n > 2 ** 31 - 1) throw new RangeError(`native_pingpong(n): n must be between 0 and 2**31-1, not ${n}`);
  return _internal.nativePingpong(n);
}
