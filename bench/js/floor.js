'use strict';
// The "floor": the least a generator trampoline with Stackless semantics can cost, written by
// hand for the benchmarked operations only. stackless's soft tasklets are judged against it
// (same run, same machine), so it must do the same work honestly: every hand-over goes through
// the run queue, values are delivered, order follows the default channel preference (-1).
//
// Protocol (NODE.md 3.3): inside a tasklet, `const v = yield ch.receive_nr()`. An _nr call that
// completes at once returns its result; one that switched returns UNWIND. The trampoline resumes
// a generator at once with any yielded value except UNWIND.

const UNWIND = Object.freeze({ unwind: true });

// A tasklet is in at most one queue at a time (run queue or one channel), so one `next` link
// serves both. `val` is the value a blocked sender offers, or the value a tasklet resumes with.
class Tasklet {
  constructor(gen) {
    this.gen = gen;
    this.next = null;
    this.val = undefined;
  }
}

// Run queue: FIFO linked list (no Array.shift). The running tasklet is not in it, which is
// Stackless's circular queue with the head removed: appending it == "runs after all others".
let head = null;
let tail = null;
let current = null;

function append(t) {
  t.next = null;
  if (tail === null) head = t; else tail.next = t;
  tail = t;
}

function pushFront(t) {
  t.next = head;
  head = t;
  if (tail === null) tail = t;
}

function mustBeInTasklet() {
  if (current === null) throw new Error('floor: blocking call outside a tasklet');
}

class Channel {
  constructor() {
    this.balance = 0;   // > 0: senders waiting, < 0: receivers waiting (as in Stackless)
    this.head = null;   // FIFO of waiting tasklets
    this.tail = null;
  }

  _wait(t) {
    t.next = null;
    if (this.tail === null) this.head = t; else this.tail.next = t;
    this.tail = t;
  }

  _take() {
    const t = this.head;
    this.head = t.next;
    if (this.head === null) this.tail = null;
    t.next = null;
    return t;
  }

  send_nr(x) {
    mustBeInTasklet();
    const s = current;
    if (this.balance < 0) {
      // Receiver waiting, preference -1: switch to it now; the sender runs after all others.
      this.balance++;
      const r = this._take();
      r.val = x;
      append(s);
      pushFront(r);
      return UNWIND;
    }
    this.balance++;
    s.val = x;
    this._wait(s);
    return UNWIND;
  }

  receive_nr() {
    mustBeInTasklet();
    if (this.balance > 0) {
      // Sender waiting, preference -1: the receiver continues, the sender is appended.
      this.balance--;
      const s = this._take();
      const x = s.val;
      s.val = undefined;
      append(s);
      return x;
    }
    this.balance--;
    current.val = undefined;
    this._wait(current);
    return UNWIND;
  }
}

function tasklet(genfn, ...args) {
  const t = new Tasklet(genfn(...args));
  append(t);
  return t;
}

function channel() {
  return new Channel();
}

function schedule_nr() {
  mustBeInTasklet();
  if (head === null) return undefined;   // nobody else runnable: no switch
  append(current);
  return UNWIND;
}

// Runs tasklets until none is runnable (all finished or blocked), then returns to the caller.
function run() {
  try {
    let t;
    while ((t = head) !== null) {
      head = t.next;
      if (head === null) tail = null;
      t.next = null;
      current = t;
      const v = t.val;
      t.val = undefined;
      let r = t.gen.next(v);
      // UNWIND: the _nr call already queued t (run queue or channel). done: t is dropped.
      while (!r.done && r.value !== UNWIND) r = t.gen.next(r.value);
    }
  } finally {
    current = null;
  }
}

module.exports = { name: 'floor', style: 'gen', tasklet, channel, schedule_nr, run, UNWIND };
