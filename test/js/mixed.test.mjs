// Native C tasklets of another addon (test/addon, compiled against include/stackless_api.h in
// import mode: NODE.md 5) and JS generator tasklets on the same channels; the function table
// they import; stackless/bench's native_pingpong.
// Run twice by `npm run test:js`: plainly, and under node --expose-gc with gc() between steps.
import { describe, it, expect, afterEach } from 'vitest';
import { createRequire } from 'module';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { fileURLToPath } from 'url';
import { gc } from './gc.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const S = require(path.join(root, 'dist/index.js'));
const addonFile = path.join(root, 'test/addon/build/Release/mixed_addon.node');
const A = require(addonFile);   // after stackless: its init imports the table
const bench = require(path.join(root, 'bench.js'));


afterEach(() => {
  gc();
  expect(A.stats().live).toBe(0);   // no C tasklet left running
  expect(S.getruncount()).toBe(1);
  expect(S.getcurrent()).toBe(S.getmain());
});

describe('the function table', () => {
  it('is registered by the stackless module, hidden, and fetched once by the import', () => {
    const key = Symbol.for('stackless.capi');
    const table = globalThis[key];
    expect(typeof table).toBe('object');
    expect(Object.keys(globalThis).includes(key)).toBe(false);
    const binding = require(require('node-gyp-build').resolve(root));   // the addon stackless loaded
    expect(binding._capi).toBe(table);
    expect(Object.keys(binding)).not.toContain('_capi');
    expect(A.tryImport(0)).toBe(true);
  });

  it('refuses a table of another magic, version or size with a clear error', () => {
    expect(() => A.tryImport(1)).toThrow(/not a stackless API table \(wrong magic number\)/);
    expect(() => A.tryImport(2)).toThrow(/version mismatch: this addon was built for version 1, the loaded stackless provides version 2; rebuild the addon/);
    expect(() => A.tryImport(3)).toThrow(/too old: this addon needs \d+ entries .* update stackless/);
    expect(() => A.tryImport(4)).toThrow(/C API not found: require\('stackless'\) before loading this addon/);
    // the failed imports left the real table in place
    const ch = new S.channel();
    A.spawnProducer(ch, 1, 7);
    expect(ch.receive()).toBe(7);
    S.run();
  });

  it('lists every function and data object of the public headers (capi_import.h is current)', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts/gen-capi-import.js'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\d+ entries, headers and list agree/);
  });

  it('leaves the importing addon with no link-time reference to the core', (ctx) => {
    const r = spawnSync('nm', ['-D', '--undefined-only', addonFile], { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      console.log(`skipped: nm is not available (${r.error ? r.error.message : r.stderr})`);
      ctx.skip();
    }
    const core = r.stdout.split('\n').filter((l) => /\b_?Py\w*|\bslp_/.test(l));
    expect(core).toEqual([]);
    expect(r.stdout).toMatch(/napi_create_function/);   // the listing is real
  });
});

describe('conversions (PyStackless_FromJS / PyStackless_ToJS)', () => {
  it('maps stackless channels and tasklets to their core objects and plain values to core values', () => {
    const ch = new S.channel();
    const t = new S.tasklet(function* () { /* */ });
    expect([A.kind(ch), A.kind(t), A.kind(undefined), A.kind(null), A.kind(true), A.kind(3), A.kind(2.5),
      A.kind('s'), A.kind([1, 2]), A.kind({}), A.kind(() => 1)])
      .toEqual(['channel', 'tasklet', 'None', 'None', 'bool', 'int', 'float', 'str', 'tuple', 'opaque', 'opaque']);
    expect(A.roundtrip(ch)).toBe(ch);
    expect(A.roundtrip(t)).toBe(t);
    const o = { x: 1 };
    gc();
    expect(A.roundtrip(o)).toBe(o);
    expect(A.roundtrip([1, 'a', [2.5, false], undefined])).toEqual([1, 'a', [2.5, false], undefined]);
    expect(A.kind({ _id: 0 })).toBe('opaque');   // a look-alike is not a channel
    t.kill();
  });

  it('rejects wrong argument types with TypeError', () => {
    expect(() => A.spawnEcho({}, new S.channel(), 1)).toThrow(TypeError);
    expect(() => A.spawnEcho(new S.channel(), 5, 1)).toThrow(/spawnEcho\(chIn, chOut, n\): chIn and chOut must be stackless.channel objects/);
    expect(() => A.spawnProducer(new S.channel(), 'x', 1)).toThrow(/n must be a number/);
  });
});

describe('C tasklets and JS generator tasklets on the same channels', () => {
  it('echo: JS -> C -> JS with numbers, strings and JS objects', () => {
    const a = new S.channel(), b = new S.channel();
    const obj = { tag: 'kept' };
    const sent = [1, 'x', 2.5, obj, [3, 'y']];
    const got = [];
    const t = A.spawnEcho(a, b, sent.length);
    expect(t).toBeInstanceOf(S.tasklet);
    new S.tasklet(function* () { for (const v of sent) yield a.send_nr(v); }).setup();
    new S.tasklet(function* () {
      for (let i = 0; i < sent.length; i++) {
        gc();
        got.push(yield b.receive_nr());
      }
    }).setup();
    S.run();
    expect(got).toEqual([2, 'c:x', 5, obj, [3, 'y']]);
    expect(got[3]).toBe(obj);   // the same JS object went through C
    expect(t.alive).toBe(false);
  });

  for (const pref of [-1, 0, 1]) {
    it(`rendezvous with preference ${pref}: JS sender to a waiting C receiver, C sender to a waiting JS receiver`, () => {
      const a = new S.channel(), b = new S.channel(), c = new S.channel();
      a.preference = pref; b.preference = pref; c.preference = pref;
      const base = A.stats();
      const seenBySender = [], seenByReceiver = [], got = [];
      A.spawnEcho(a, b, 3);
      // JS -> C: after each send to the waiting echo, has the echo already taken the value?
      new S.tasklet(function* () {
        for (let i = 1; i <= 3; i++) {
          yield a.send_nr(i);
          seenBySender.push(A.stats().echoed - base.echoed);
        }
      }).setup();
      new S.tasklet(function* () { for (let i = 0; i < 3; i++) got.push(yield b.receive_nr()); }).setup();
      S.run();
      expect(got).toEqual([2, 4, 6]);
      // receiver preferred (-1): the echo ran before the sender resumed. Sender preferred (1):
      // it had not yet, each time. 0: the first send finds the echo waiting and goes on; the
      // next ones block (the echo is runnable, not waiting) and resume after the echo took them.
      expect(seenBySender).toEqual(pref < 0 ? [1, 2, 3] : pref > 0 ? [0, 1, 2] : [0, 2, 3]);

      // C -> JS: when the JS receiver gets value k, how many sends has the producer completed?
      new S.tasklet(function* () {
        for (let k = 1; k <= 3; k++) {
          const v = yield c.receive_nr();
          seenByReceiver.push([v, A.stats().produced - base.produced]);
        }
      }).setup();
      S.run();   // the JS receiver now waits on c
      expect(c.balance).toBe(-1);
      A.spawnProducer(c, 3, 10);
      S.run();
      // sender preferred (1): the producer went on to its next send first. Receiver preferred
      // (-1): the receiver ran before the producer's send returned. 0: the first send finds the
      // receiver waiting and goes on; the second blocks and the receiver takes it before the
      // producer resumes; the third finds it waiting again.
      expect(seenByReceiver).toEqual(pref > 0 ? [[10, 1], [11, 2], [12, 3]]
        : pref < 0 ? [[10, 0], [11, 1], [12, 2]] : [[10, 1], [11, 1], [12, 3]]);
    });
  }

  it('main blocks on a channel fed by a C tasklet', () => {
    const ch = new S.channel();
    A.spawnProducer(ch, 5, 100);
    const got = [];
    for (let i = 0; i < 5; i++) {
      got.push(ch.receive());
      gc();
    }
    expect(got).toEqual([100, 101, 102, 103, 104]);
    S.run();   // the producer returns from its last send
  });

  it('main sends to a C tasklet and receives its answer', () => {
    const a = new S.channel(), b = new S.channel();
    A.spawnEcho(a, b, 2);
    a.send(20);
    expect(b.receive()).toBe(40);
    a.send('m');
    expect(b.receive()).toBe('c:m');
    S.run();
  });

  const jsClass = (name) => (name === 'TypeError' ? TypeError : S[name]);
  for (const cls of ['ValueError', 'KeyError', 'TypeError', 'RuntimeError']) {
    it(`an exception sent from C (PyChannel_SendException ${cls}) arrives in JS as that class`, () => {
      const ch = new S.channel();
      let caught;
      A.spawnRaiser(ch, cls, `bad ${cls} from C`);
      new S.tasklet(function* () {
        try {
          yield ch.receive_nr();
        } catch (e) {
          caught = e;
        }
      }).setup();
      S.run();
      expect(caught).toBeInstanceOf(jsClass(cls));
      expect(caught).toBeInstanceOf(Error);
      expect(String(caught.message)).toContain(`bad ${cls} from C`);
    });
  }

  it('an exception sent from C reaches main blocked in receive()', () => {
    const ch = new S.channel();
    A.spawnRaiser(ch, 'ValueError', 'to main');
    expect(() => ch.receive()).toThrow(S.ValueError);
    S.run();
  });

  it('kill() from JS ends a C tasklet blocked in a receive with TaskletExit', () => {
    const ch = new S.channel();
    const t = A.spawnBlocker(ch);
    S.run();
    expect(A.stats().blocker).toBe('blocked');
    expect(t.blocked).toBe(true);
    expect(ch.balance).toBe(-1);
    gc();
    t.kill();
    expect(A.stats().blocker).toBe('TaskletExit');
    expect(t.alive).toBe(false);
    expect(ch.balance).toBe(0);
  });

  it('a C tasklet blocked deep in its own C calls resumes with its frames intact', () => {
    const a = new S.channel(), b = new S.channel();
    const t = A.spawnDeep(a, b, 300);
    S.run();
    expect(t.blocked).toBe(true);
    expect(t.nesting_level).toBeGreaterThanOrEqual(1);
    let got;
    new S.tasklet(function* () { yield a.send_nr(1); }).setup();
    new S.tasklet(function* () { got = yield b.receive_nr(); }).setup();
    gc();
    S.run();
    expect(got).toEqual([301, 300]);
  });

  it('10,000 mixed round trips', () => {
    const a = new S.channel(), b = new S.channel();
    const n = 10000;
    A.spawnEcho(a, b, n);
    let sum = 0, strings = 0;
    new S.tasklet(function* () {
      for (let i = 0; i < n; i++) {
        yield a.send_nr(i % 7 === 0 ? `s${i}` : i);
        const v = yield b.receive_nr();
        if (typeof v === 'string') {
          if (v === `c:s${i}`) strings++;
        } else {
          sum += v;
        }
        if (i % 2500 === 0) gc();
      }
    }).setup();
    S.run();
    let expected = 0, expectedStrings = 0;
    for (let i = 0; i < n; i++) {
      if (i % 7 === 0) expectedStrings++;
      else expected += 2 * i;
    }
    expect(sum).toBe(expected);
    expect(strings).toBe(expectedStrings);
  });
});

describe('examples/addon (built by npm run build:example-addon)', () => {
  const example = path.join(root, 'examples/addon');

  it('runs: a C tasklet squares what a JS producer sends, a JS consumer adds it up', () => {
    const r = spawnSync(process.execPath, [path.join(example, 'index.js')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('sum of the squares of 1..10, squared in C: 385\n');
    expect(r.status).toBe(0);
  });

  it('refuses to load before stackless, saying what to do', () => {
    const addon = path.join(example, 'build/Release/squares.node');
    const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addon)})`], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/stackless C API not found: require\('stackless'\) before loading this addon/);
  });
});

describe("require('stackless/bench')", () => {
  it('native_pingpong(n) runs n round trips between two native tasklets', () => {
    expect(bench.native_pingpong(1000)).toBe(1000);
    expect(bench.native_pingpong(1)).toBe(1);
    expect(bench.native_pingpong(0)).toBe(0);
    gc();
    expect(bench.native_pingpong(20000)).toBe(20000);
  });

  it('native_pingpong checks its argument', () => {
    expect(() => bench.native_pingpong('10')).toThrow(TypeError);
    expect(() => bench.native_pingpong(1.5)).toThrow(/must be an integer/);
    expect(() => bench.native_pingpong(-1)).toThrow(RangeError);
  });

  it('native_echo(ch, n) makes a native tasklet that answers n values on ch, then ends', () => {
    const ch = new S.channel();
    const obj = { o: 1 };
    const t = bench.native_echo(ch, 3);
    expect(t).toBeInstanceOf(S.tasklet);
    expect(t.scheduled).toBe(true);
    const got = [];
    new S.tasklet(function* () {
      for (const v of [7, 'x', obj]) { yield ch.send_nr(v); got.push(yield ch.receive_nr()); }
    }).setup();
    S.run();
    expect(got).toEqual([7, 'x', obj]);
    expect(got[2]).toBe(obj);   // the same object came back through C
    expect(t.alive).toBe(false);
    expect(() => bench.native_echo({}, 1)).toThrow(/ch must be a stackless.channel/);
    expect(() => bench.native_echo(ch, -1)).toThrow(RangeError);
  });

  it('is the package entry stackless/bench', () => {
    const pkg = require(path.join(root, 'package.json'));
    expect(pkg.files).toContain('bench.js');
    expect(require(path.join(root, 'bench.js'))).toBe(bench);
    // by name, through the exports map (a package resolves its own name)
    expect(require('stackless/bench')).toBe(bench);
  });
});
