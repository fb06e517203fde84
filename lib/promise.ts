// The promise bridge (NODE.md 7): `const v = yield stackless.await_nr(promise)` blocks a
// generator tasklet until the promise settles.
//
// The waiting tasklet receives on a channel of its own. Settlement arrives from Node's event
// loop, where the main tasklet is current: the callback sends the value (or throws the
// rejection reason) to the waiting receiver, which runs at once, nested, and then runs the
// scheduler like run() until no tasklet is runnable, so whatever the resumed tasklet woke up
// makes progress too. An exception that escapes a tasklet during that run has no caller to go
// to: it is rethrown into the event loop as an uncaught exception (set_error_handler() catches
// such exceptions first, as for run()).
//
// This module is loaded through the package's main module (index re-exports it).
import * as S from './index';
import { RuntimeError } from './errors';

const MSG_MAIN =
  'await_nr: the main tasklet cannot wait for a promise (the event loop only runs when main ' +
  'returns to it); use it in a generator tasklet: const v = yield stackless.await_nr(promise), ' +
  'then return to the event loop';
const MSG_PLAIN =
  'await_nr: a plain-function tasklet on the scheduler\'s stack cannot wait for a promise; make ' +
  'the tasklet function a generator (function*): const v = yield stackless.await_nr(promise)';
const GEN = 1, HARD = 2;   // tasklet._isGen (index.ts kindOf)

function reportUncaught(e: unknown): void {
  process.nextTick(() => {
    throw e;
  });
}

// Delivery to a tasklet that still waits (one that was killed meanwhile is not waiting: the
// outcome is dropped), then the scheduler runs what is runnable.
function settle(ch: S.channel, ok: boolean, v: unknown): void {
  if (ch.balance < 0) {
    try {
      if (ok) ch.send(v);
      else ch._sendExc(v, 0);
    } catch (e) {
      reportUncaught(e);
    }
  }
  for (;;) {
    try {
      S.run();
      return;
    } catch (e) {
      reportUncaught(e);
    }
  }
}

/**
 * await_nr(promise): in a generator tasklet, `const v = yield stackless.await_nr(promise)` blocks
 * the tasklet (blocked, on a channel of its own) until the promise settles; it resumes with the
 * fulfilment value, or the rejection reason is thrown at the `yield`. A value that is not a
 * thenable is resolved as `await` does (Promise.resolve). run() returns while tasklets wait for
 * promises: they are resumed from the event loop. A hard tasklet calls it without yield and
 * gets the value (it blocks where it is). Main and plain-function tasklets on the scheduler's
 * stack cannot wait for the event loop: RuntimeError.
 */
export function await_nr(promise?: unknown): unknown {
  const cur = S.getcurrent();
  if (cur === S.getmain()) throw new RuntimeError(MSG_MAIN);
  const kind = cur._isGen;
  if (kind !== GEN && kind !== HARD) throw new RuntimeError(MSG_PLAIN);
  const ch = new S.channel();
  Promise.resolve(promise).then(
    (v) => settle(ch, true, v),
    (e) => settle(ch, false, e),
  );
  // a hard tasklet blocks right here (an _nr call from a stack that can block is its plain twin)
  return kind === GEN ? ch.receive_nr() : ch.receive();
}
