/**
 * Keeps `npm run bench` from rotting: runs it in --smoke mode (direct + warren + a 10-tunnel scale run + the Access pair,
 * about a second per figure, the node load generator: no wrk, nginx or sshd needed) and checks that every
 * figure was measured. No thresholds: performance is judged by the full run in bench/RESULTS.md.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BenchResults } from '../bench/lib/results.js';

const runJs = fileURLToPath(new URL('../bench/run.js', import.meta.url));

test('bench-smoke-measures-every-figure-for-direct-and-warren', { timeout: 90_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'warren-bench-smoke-test-'));
  try {
    // detached: the bench is its own process group, so a timeout can end it and everything it started.
    const child = spawn(process.execPath, [runJs, '--smoke', '--out', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), 'SIGINT');
      } catch {
        // gone already
      }
    }, 75_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    clearTimeout(timer);
    assert.equal(code, 0, `bench --smoke exited ${code}:\n${output.slice(-4000)}`);

    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as BenchResults;
    const md = readFileSync(join(out, 'RESULTS.md'), 'utf8');
    assert.match(md, /\| warren \| \d+ \(\d/, 'RESULTS.md has a warren row with a ratio');
    assert.equal(res.options.smoke, true);
    assert.ok(res.machine.nproc >= 1 && res.machine.cpu.length > 0);
    for (const name of ['direct', 'warren']) {
      const row = res.rows.find((r) => r.name === name);
      assert.ok(row !== undefined, `row ${name}`);
      assert.equal(row.status, 'ok', `${name}: ${row.note}`);
      for (const k of ['c1', 'c50', 'page', 'download', 'upload', 'ws', 'rss'] as const) {
        assert.equal(row[k].error, undefined, `${name} ${k}: ${row[k].error}`);
      }
      assert.ok((row.c1.value?.rps ?? 0) > 0 && (row.c50.value?.rps ?? 0) > 0, `${name} req/s`);
      assert.equal(row.c50.value?.errors, 0, `${name}: errors during the c=50 load`);
      assert.ok((row.page.value?.rps ?? 0) > 0, `${name}: the 10 KiB page row`);
      assert.equal(row.page.value?.errors, 0, `${name}: errors during the 10 KiB page load`);
      assert.ok((row.download.value?.median ?? 0) > 0 && (row.upload.value?.median ?? 0) > 0, `${name} MB/s`);
      assert.ok((row.ws.value ?? 0) > 0, `${name} WebSocket round trips`);
      assert.ok((row.rss.value?.rss ?? 0) > 0, `${name} RSS`);
    }
    // Issue 24's memory figures: serve after its row, and the connector sampled during the c=50 load.
    const warrenRow = res.rows.find((r) => r.name === 'warren');
    const connector = warrenRow?.rssUnderLoad?.connector;
    assert.ok(connector !== undefined && connector.samples.length >= 3, 'connector RSS sampled during c=50');
    assert.ok(connector.samples.every((s) => s > 0) && connector.plateau >= connector.medianLastHalf);
    assert.equal(res.rows.find((r) => r.name === 'direct')?.rssUnderLoad, undefined, 'direct is measured as before');
    assert.equal(res.warrenMemory?.connectorRssPlateauC50, connector.plateau);
    assert.equal(res.warrenMemory?.serveRssAfterRow, warrenRow?.rss.value?.byRole.edge);
    assert.ok((res.warrenMemory?.serveRssAfterRow ?? 0) > 0, 'serve RSS after the row');
    assert.match(md, /`warren serve` after its row .*: \*\*\d+\.\d MiB\*\* \(must ≤ 200/);
    assert.match(md, /`warren tunnel` plateau under the c=50 load .*: \*\*\d+\.\d MiB\*\* \(must ≤ 100/);
    const scale = res.scale?.value;
    assert.ok(scale !== undefined, `scale: ${res.scale?.error}`);
    assert.equal(scale.connections, scale.tunnels * 4);
    assert.ok(scale.registerSeconds > 0 && scale.spreadLoad.rps > 0);
    assert.equal(scale.spreadLoad.errors, 0, 'errors during the load spread over tunnels');
    const access = res.access?.value;
    assert.ok(access !== undefined, `access: ${res.access?.error}`);
    assert.ok(access.unprotected.rps > 0 && access.protected.rps > 0 && access.ratio > 0);
    assert.equal(access.protected.errors, 0, 'every protected request was admitted by its cookie');
    assert.match(md, /### warren \+ Access \(valid cookie\)/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
