// The package as a user loads it (NODE.md 1; issue 3): `require('stackless')` and
// `import ... from 'stackless'` by name through package.json "exports" (a package may import
// itself by name, so this works from inside the repository), one module instance for both,
// type declarations for both, and the addon found by node-gyp-build: a local build, a prebuilt
// binary in prebuilds/<platform>-<arch>/, or a clear error when there is none.
// ES-module checks run in a child `node` (real Node resolution, not vitest's).
import { describe, it, expect, afterAll } from 'vitest';
import { createRequire } from 'module';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fileURLToPath } from 'url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.join(root, 'dist');

// Runs `source` with node in `cwd` (an ES module with --input-type=module); returns stdout.
function node(source, { esm = false, cwd = root, env = {} } = {}) {
  const args = esm ? ['--input-type=module', '-e', source] : ['-e', source];
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`node exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

const tmpdirs = [];
afterAll(() => { for (const d of tmpdirs) fs.rmSync(d, { recursive: true, force: true }); });

// A copy of the installed package's layout (package.json, dist/, node_modules/node-gyp-build)
// without build/: what a user gets from the registry, with or without a prebuilt binary.
function installedLayout(binary) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stackless-pkg-'));
  tmpdirs.push(dir);
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  fs.cpSync(dist, path.join(dir, 'dist'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(path.dirname(require.resolve('node-gyp-build/package.json')),
    path.join(dir, 'node_modules', 'node-gyp-build'), 'dir');
  if (binary) {
    const pre = path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`);
    fs.mkdirSync(pre, { recursive: true });
    fs.copyFileSync(binary, path.join(pre, 'stackless.node'));
  }
  return dir;
}

const exchange = `
  const ch = new S.channel();
  new S.tasklet(function* () { for (const v of ['a', 'b']) yield ch.send_nr(v); }).setup();
  const got = [ch.receive(), ch.receive()];
  S.run();
`;

describe('require and import by name', () => {
  it("require('stackless') resolves through the exports map to dist/index.js", () => {
    expect(require.resolve('stackless')).toBe(path.join(dist, 'index.js'));
    const S = require('stackless');
    expect(S).toBe(require(path.join(dist, 'index.js')));
    expect(typeof S.tasklet).toBe('function');
    expect(require('stackless/package.json').name).toBe('stackless');
  });

  it('only the exported entry points are reachable', () => {
    expect(() => require.resolve('stackless/dist/capi.js')).toThrow(/not defined by "exports"/);
  });

  it('import: the default export is the module, the named exports are its members', () => {
    const out = node(`
      import stackless, { tasklet, channel, run, schedule_nr, RuntimeError, NULL, PyChannel_New, stackless as self } from 'stackless';
      import * as ns from 'stackless';
      const S = stackless;
      ${exchange}
      console.log(JSON.stringify({
        same: tasklet === S.tasklet && channel === S.channel && run === S.run
          && schedule_nr === S.schedule_nr && RuntimeError === S.RuntimeError
          && NULL === S.NULL && PyChannel_New === S.PyChannel_New && ns.default === S
          && self === S && S.stackless === S,   // stackless.stackless: the module itself (API.md 1.1)
        url: import.meta.resolve('stackless'),
        got,
      }));
    `, { esm: true });
    const r = JSON.parse(out);
    expect(r.same).toBe(true);
    expect(r.url).toBe('file://' + path.join(dist, 'index.mjs'));
    expect(r.got).toEqual(['a', 'b']);
  });

  it('the ES module names every export of the CommonJS module (live attributes on the default)', () => {
    const out = node(`
      import * as ns from 'stackless';
      import { createRequire } from 'module';
      const R = createRequire(import.meta.url)('stackless');
      console.log(JSON.stringify({
        missing: Object.keys(R).filter((k) => !(k in ns)),
        extra: Object.keys(ns).filter((k) => !(k in R)),
        currentLive: ns.default.current === R.getcurrent(),
      }));
    `, { esm: true });
    const r = JSON.parse(out);
    // current, main, runcount, ... are getters (Stackless module attributes): an ES named
    // export would be a snapshot, so they are read from the default export.
    expect(r.missing.sort()).toEqual(['current', 'debug', 'main', 'runcount', 'threads', 'uncollectables']);
    expect(r.extra).toEqual(['default']);
    expect(r.currentLive).toBe(true);
  });

  it('one instance: import and require in one process share the module and its scheduler', () => {
    const out = node(`
      import stackless, { tasklet, channel, getruncount } from 'stackless';
      import { createRequire } from 'module';
      const R = createRequire(import.meta.url)('stackless');
      const ch = new R.channel();                               // channel from require
      const log = [];
      new tasklet(function* () { log.push(yield ch.receive_nr()); }).setup();   // tasklet from import
      const queued = R.getruncount();
      ch.send('via require');                                   // main blocks; the tasklet runs
      console.log(JSON.stringify({
        same: R === stackless && R.channel === channel && ch instanceof channel,
        queued, after: getruncount(), log,
      }));
    `, { esm: true });
    expect(JSON.parse(out)).toEqual({ same: true, queued: 2, after: 1, log: ['via require'] });
  });
});

describe('type declarations', () => {
  it('ship for CommonJS (dist/index.d.ts) and ES modules (dist/index.d.mts)', () => {
    const dts = fs.readFileSync(path.join(dist, 'index.d.ts'), 'utf8');
    expect(dts).toMatch(/export declare class tasklet/);
    expect(dts).toMatch(/export declare class channel/);
    const dmts = fs.readFileSync(path.join(dist, 'index.d.mts'), 'utf8');
    expect(dmts).toMatch(/export \* from '\.\/index\.js'/);
    expect(dmts).toMatch(/export default /);
  });

  it('type-check a TypeScript user of both forms (nodenext resolution by name)', () => {
    // test/pkg/types: esm.mts (default + named imports) and cjs.cts (import = require); each
    // also expects an error for a missing export, so declarations typed `any` fail the check.
    const tsc = require.resolve('typescript/bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', 'test/pkg/types', '--traceResolution'],
      { cwd: root, encoding: 'utf8' });
    const resolved = r.stdout.split('\n').filter((l) => /'stackless' was successfully resolved/.test(l));
    expect(r.status, r.stdout.split('\n').filter((l) => /error/.test(l)).join('\n')).toBe(0);
    expect(resolved.join('\n')).toContain(path.join(dist, 'index.d.mts'));
    expect(resolved.join('\n')).toContain(path.join(dist, 'index.d.ts'));
  });
});

describe('loading the addon (node-gyp-build)', () => {
  const ngb = require('node-gyp-build');

  it('in the repository: the addon node-gyp-build resolves is the one loaded', () => {
    require('stackless');
    const file = ngb.resolve(root);
    expect(file.startsWith(path.join(root, 'build') + path.sep)
      || file.startsWith(path.join(root, 'prebuilds') + path.sep)).toBe(true);
    expect(require.cache[file]).toBeDefined();
  });

  it('installed without build/: the prebuilt binary in prebuilds/<platform>-<arch>/ is loaded', () => {
    const dir = installedLayout(ngb.resolve(root));
    const out = node(`
      const S = require(${JSON.stringify(path.join(dir, 'dist/index.js'))});
      ${exchange}
      const addons = Object.keys(require.cache).filter((f) => f.endsWith('.node'));
      console.log(JSON.stringify({ addons, got }));
    `, { cwd: dir });
    const r = JSON.parse(out);
    expect(r.addons).toEqual([path.join(fs.realpathSync(dir), 'prebuilds', `${process.platform}-${process.arch}`, 'stackless.node')]);
    expect(r.got).toEqual(['a', 'b']);
  });

  it('installed with no binary at all: a clear error that says how to build it', () => {
    const dir = installedLayout(null);
    const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(dir, 'dist/index.js'))})`],
      { cwd: dir, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`stackless: no native addon for ${process.platform}-${process.arch}`);
    expect(r.stderr).toContain('npm run build:addon');
    expect(r.stderr).toContain('npm rebuild stackless');
    expect(r.stderr).toContain('npm install-scripts approve stackless');
  });
});
