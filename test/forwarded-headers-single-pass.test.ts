import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type EdgeAddedHeaders,
  originRequestHeaders,
  originRequestHeadersByParts,
} from '../src/edge/forwarded-headers.js';
import { seededRandom } from './support/seeded-random.js';

/** Names that each rule of the header filter is about, and plain ones. */
const NAMES = [
  'host',
  'connection',
  'upgrade',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'content-length',
  'x-forwarded-for',
  'x_forwarded_for',
  'x.forwarded.for',
  'x-forwarded-proto',
  'cf-connecting-ip',
  'cf-ray',
  'cf-visitor',
  'cf-warp-tag-id',
  'cf-access-jwt-assertion',
  'cf-access-client-id',
  'cf_access_client_secret',
  'x-custom',
  'x-drop',
  'cookie',
  'accept',
];

function casing(name: string, r: ReturnType<typeof seededRandom>): string {
  let out = '';
  for (const c of name) out += r.below(2) === 0 ? c : c.toUpperCase();
  return out;
}

test('the one-pass header filter equals the composition of its steps on random heads', (t) => {
  const r = seededRandom(t, 24);
  for (let run = 0; run < 3000; run++) {
    const raw: string[] = [];
    const fields = r.below(12);
    for (let i = 0; i < fields; i++) {
      const name = casing(NAMES[r.below(NAMES.length)] as string, r);
      let value = `v${i}`;
      if (name.toLowerCase() === 'connection') {
        const tokens: string[] = [];
        for (let k = r.below(4); k > 0; k--) tokens.push(casing(NAMES[r.below(NAMES.length)] as string, r));
        if (r.below(3) === 0) tokens.push('');
        value = tokens.join(r.below(2) === 0 ? ',' : ' , ');
      }
      raw.push(name, value);
    }
    const added: EdgeAddedHeaders = {
      ip: '192.0.2.1',
      scheme: 'https',
      visitor: '{"scheme":"https"}',
      ray: 'ray-1',
      connectorId: 'c-1',
      access: r.below(2) === 0 ? undefined : ['Cf-Access-Jwt-Assertion', 'jwt'],
    };
    const upgrade = r.below(2) === 0;
    const authority = r.below(4) === 0 ? 'example.test:8080' : undefined;
    const prior = r.below(3) === 0 ? '198.51.100.7' : undefined;
    assert.deepEqual(
      originRequestHeaders(raw, prior, upgrade, authority, added),
      originRequestHeadersByParts(raw, prior, upgrade, authority, added),
      JSON.stringify({ raw, upgrade, authority, access: added.access !== undefined }),
    );
  }
});
