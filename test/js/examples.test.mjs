// The examples under examples/js run as they are, and print what they promise (so they cannot
// rot). They load the package root (dist/), built by npm run build:lib.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { root } from './support.mjs';

function runExample(name) {
  const r = spawnSync(process.execPath, [path.join(root, 'examples/js', name)], { encoding: 'utf8', cwd: root });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.trimEnd().split('\n');
}

describe('examples/js', () => {
  it('producer_consumer.js: two producers, one consumer, alternating', () => {
    const lines = runExample('producer_consumer.js');
    const got = lines.filter((l) => l.includes('consumer got')).map((l) => l.trim().split(/\s+/).pop());
    expect(got).toEqual(['alpha-1', 'beta-1', 'alpha-2', 'beta-2', 'alpha-3', 'beta-3']);
    expect(lines[lines.length - 1]).toBe('consumer finished after 6 items');
  });

  it('pipeline.js: parse -> convert -> aggregate', () => {
    const lines = runExample('pipeline.js');
    expect(lines.filter((l) => l.startsWith('convert:')).length).toBe(7);
    expect(lines).toContain('parse:     skipped "bad line without fields"');
    // records flow one at a time: the bad line is reported between the 5th and 6th conversion
    expect(lines.indexOf('parse:     skipped "bad line without fields"')).toBe(5);
    const totals = lines.slice(lines.indexOf('totals in EUR:') + 1).map((l) => l.trim().split(/\s+/));
    expect(totals).toEqual([['Lisbon', '220.00'], ['Boston', '130.72'], ['Oslo', '114.75']]);
  });

  it('worker_pool.js: preempted workers all finish, each preempted, with correct results', () => {
    const lines = runExample('worker_pool.js');
    const summary = lines.filter((l) => l.startsWith('worker ')).map((l) => l.match(/^worker (\w): (\d+) primes .* preempted (\d+) times$/));
    expect(summary.map((m) => [m[1], Number(m[2])])).toEqual([['A', 7216], ['B', 6872], ['C', 6676]]);
    for (const m of summary) expect(Number(m[3])).toBeGreaterThan(0);
    const total = Number(lines.find((l) => l.startsWith('all done')).match(/after (\d+) preemptions/)[1]);
    expect(summary.reduce((s, m) => s + Number(m[3]), 0)).toBe(total);
  });

  it('event_loop.js: timers and files with await_nr, main back in the event loop first', () => {
    const lines = runExample('event_loop.js').map((l) => l.replace(/^\s*\d+ ms\s+/, ''));
    expect(lines[0]).toBe('main: run() returned, 1 runnable; back to the event loop');
    const count = (f) => fs.readFileSync(path.join(root, 'examples/js', f), 'utf8').split('\n').length;
    expect(lines.filter((l) => l.startsWith('reader:'))).toEqual([
      `reader: event_loop.js has ${count('event_loop.js')} lines`, 'reader: no-such-file.txt: ENOENT',
      `reader: pipeline.js has ${count('pipeline.js')} lines`, 'reader: done',
    ]);
    expect(lines.filter((l) => l.startsWith('ticker:'))).toEqual(['ticker: tick 1', 'ticker: tick 2', 'ticker: tick 3', 'ticker: done']);
    expect(lines[lines.length - 1]).toBe('reporter: everything done; the event loop has nothing left to do');
    expect(lines.length).toBe(10);
  });

  it("worker_threads.js: a scheduler per worker; main's tasklets get their results over ports", () => {
    expect(runExample('worker_threads.js')).toEqual([
      'thread 0 (main): run() returned; the workers compute meanwhile',
      'thread 1: 1000 squares of 1..1000 add up to 333833500',
      'thread 2: 1000 squares of 1001..2000 add up to 2334833500',
      'thread 0 (main): total 2668667000',
    ]);
  });

  it('engines.js: the JS engine, then the core after a hard tasklet joins; every sum right', () => {
    const lines = runExample('engines.js');
    expect(lines.length).toBe(4);
    const first = process.env.STACKLESS_ENGINE === 'core' ? 'core' : 'js';
    expect(lines[0]).toMatch(new RegExp(`^engine: ${first}, 200000 jobs, sum correct: true, ~\\d+ ns per hop$`));
    expect(lines[1]).toBe('hard tasklet: hello world');
    expect(lines[2]).toMatch(/^engine: core, 200000 jobs, sum correct: true, ~\d+ ns per hop$/);
    expect(lines[3]).toBe('all workers done: true');
  });
});
