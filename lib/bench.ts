// stackless/bench: hooks a benchmark harness can call without knowing the internals (issue 3).
//
//   const { native_pingpong } = require('stackless/bench');
//   native_pingpong(1e6);   // one million round trips between two native C tasklets
//   native_echo(ch, 1e6);   // a native C tasklet that answers one million values on ch
import { _internal, channel, tasklet } from './index';

function countArg(who: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw new TypeError(`${who}: n must be an integer number of round trips, not ${typeof n === 'number' ? n : typeof n}`);
  }
  if (n < 0 || n > 2 ** 31 - 1) throw new RangeError(`${who}: n must be between 0 and 2**31-1, not ${n}`);
  return n;
}

/**
 * native_pingpong(n): runs n round trips between two native C tasklets over one channel (the
 * first sends a number, the second receives it and sends it back) and returns when both have
 * finished. Returns the number of values the receiving tasklet saw, which is n. The calling
 * (main) tasklet waits on a channel meanwhile; other runnable tasklets run too, so time it with
 * none.
 */
export function native_pingpong(n: number): number {
  return _internal.nativePingpong(countArg('native_pingpong(n)', n));
}

/**
 * native_echo(ch, n): a new native C tasklet, set up (in the run queue), that n times receives a
 * value on ch and sends the same value back, then ends. For a mixed hop: JS tasklets talk to it
 * over ch; values cross the JS/C boundary both ways.
 */
export function native_echo(ch: channel, n: number): tasklet {
  if (!(ch instanceof channel)) throw new TypeError('native_echo(ch, n): ch must be a stackless.channel');
  return _internal.nativeTasklet(1, ch, countArg('native_echo(ch, n)', n));
}
