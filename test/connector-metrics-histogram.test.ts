import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { ConnectorMetrics, TalliedHistogram } from '../src/connector/connector-metrics.js';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
// On a bound (le is inclusive), between bounds, below the first, above the last, zero, and values
// prom-client refuses (it throws; the tallied histogram drops them).
const VALUES = [0, 0.0004, 0.001, 0.0010001, 0.003, 0.01, 0.07, 0.25, 0.9999, 1, 2.6, 30, 31, 1e6, 0.001];

/** The text exposition of one histogram, alone in its registry. */
async function exposition(fill: (registry: Registry) => void): Promise<string> {
  const registry = new Registry();
  fill(registry);
  return registry.metrics();
}

test('tallied-histogram-exposes-what-prom-client-histogram-does', async () => {
  const config = { name: 'x_seconds', help: 'latency', buckets: BUCKETS };
  const expected = await exposition((registry) => {
    const h = new Histogram({ ...config, registers: [registry] });
    for (const v of VALUES) h.observe(v);
  });
  const actual = await exposition((registry) => {
    const h = new TalliedHistogram({ ...config, registers: [registry] });
    for (const v of VALUES) h.add(v);
    h.add(Number.NaN);
    h.add(Number.POSITIVE_INFINITY);
  });
  assert.equal(actual, expected);
  assert.match(actual, /x_seconds_bucket\{le="0.001"\} 4\n/);
  assert.match(actual, /x_seconds_bucket\{le="\+Inf"\} 15\n/);
  assert.match(actual, /x_seconds_count 15\n/);

  // Unsorted buckets are sorted, as prom-client does; JSON (`get`) carries the same values.
  const registry = new Registry();
  const h = new TalliedHistogram({ ...config, buckets: [...BUCKETS].reverse(), registers: [registry] });
  const p = new Histogram({ ...config, name: 'y_seconds', registers: [new Registry()] });
  for (const v of VALUES) {
    h.add(v);
    p.observe(v);
  }
  const mine = await h.get();
  const theirs = await p.get();
  assert.deepEqual(
    mine.values.map((v) => [v.metricName?.replace('x_', ''), v.labels, v.value]),
    theirs.values.map((v) => [v.metricName?.replace('y_', ''), v.labels, v.value]),
  );
  h.reset();
  assert.match(await registry.metrics(), /x_seconds_count 0\n/);
});

test('connector-metrics-latency-histogram-counts-responses', async () => {
  const m = new ConnectorMetrics();
  m.responded(200, performance.now());
  m.responded(204, performance.now() - 3);
  m.responded(404); // no start time: counted by status only
  const text = await m.registry.metrics();
  assert.match(text, /warren_tunnel_origin_response_seconds_count 2\n/);
  assert.match(text, /warren_tunnel_origin_response_seconds_bucket\{le="30"\} 2\n/);
  assert.match(text, /warren_tunnel_response_by_code\{status_code="404"\} 1/);
});
