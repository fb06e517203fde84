'use strict';
// Peer: js-csp (port of Clojure core.async; goroutines are generators). Idiom:
//   csp.go(function* () { yield csp.put(ch, v); const x = yield csp.take(ch); })
// Every resume of a process goes through setImmediate, so it is driven by the event loop.
const csp = require('js-csp');

class Chan {
  constructor() { this.ch = csp.chan(); }   // unbuffered, like a Stackless channel
  send_nr(x) { return csp.put(this.ch, x); }
  receive_nr() { return csp.take(this.ch); }
}

module.exports = {
  name: 'js-csp',
  style: 'gen',
  maxWaiters: 1024,   // js-csp throws past 1024 pending takes on one channel
  tasklet(genfn, ...args) { return csp.go(genfn, args); },
  channel() { return new Chan(); },
  // js-csp has no schedule(); yielding a plain value reschedules the process (setImmediate).
  schedule_nr() { return null; },
  run(done) { return done.wait(); },
};
