'use strict';
// Peer: medium (core.async-style channels on async/await). Idiom:
//   go(async () => { await put(ch, v); const x = await take(ch); })
// Hand-overs are promise resolutions, so it is driven by the microtask queue.
const medium = require('medium');

// Wrapped because a medium channel is a thenable (awaiting it would take from it).
class Chan {
  constructor() { this.ch = medium.chan(); }   // unbuffered
  send(x) { return medium.put(this.ch, x); }
  receive() { return medium.take(this.ch); }
}

module.exports = {
  name: 'medium',
  style: 'async',
  // medium.go(afn) is just afn(); calling it directly spares the peer a closure per spawn.
  tasklet(afn, ...args) { return afn(...args); },
  channel() { return new Chan(); },
  // medium has no scheduler of its own: `await` yields to the microtask queue (round robin).
  schedule() { return undefined; },
  run(done) { return done.wait(); },
};
