import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { QuickTunnelAuthority, type QuickTunnelCredentials } from '../src/edge/index.js';
import { proveSecret, type Registration } from '../src/protocol/index.js';
import {
  dialTunnel,
  type EdgeHarness,
  quickSecretAuth,
  type RawLink,
  register,
  startEdge,
} from './support/raw-tunnel-client.js';
import { visit } from './support/visit.js';
import { tempDir } from './support/warren-processes.js';

const NAME = /^[a-z]+-[a-z]+-[a-z]+-[a-z]+-[0-9a-f]{8}\.quick\.warren\.localhost$/;

test('quick-tunnel-names-carry-64-bits-as-four-words-and-8-hex-digits', async () => {
  const authority = await QuickTunnelAuthority.open(tempDir(), 'warren.localhost');
  const names = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const q = authority.create();
    assert.match(q.hostname, NAME);
    names.add(q.hostname);
  }
  assert.equal(names.size, 2000);
});

test('a-quick-hostname-leads-every-edge-with-the-key-to-its-tunnel-and-back', async () => {
  const caKey = randomBytes(64).toString('base64');
  const here = QuickTunnelAuthority.shared(caKey, 'warren.localhost');
  const there = QuickTunnelAuthority.shared(caKey, 'warren.localhost');
  const stranger = QuickTunnelAuthority.shared(randomBytes(64).toString('base64'), 'warren.localhost');
  for (let i = 0; i < 500; i++) {
    const q = here.create();
    assert.match(q.tunnelId, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a UUIDv8');
    assert.equal(there.tunnelIdFor(q.hostname), q.tunnelId, 'another edge finds the tunnel by its name');
    assert.equal(there.hostnameFor(q.tunnelId), q.hostname, 'and the name from the id (a re-join)');
    assert.equal(there.secretFor(q.tunnelId).toString('base64'), q.secret, 'and accepts its secret');
    assert.notEqual(stranger.tunnelIdFor(q.hostname), q.tunnelId, 'another deployment does not');
  }
  // An id from before names were carried in ids (UUIDv4) keeps its HMAC-derived name.
  const legacy = randomUUID();
  const legacyName = here.hostnameFor(legacy);
  assert.match(legacyName, NAME);
  assert.equal(here.hostnameFor(legacy), legacyName);
  // A version-8 id with a forged tag is no id of ours: its name is not the one its bits spell.
  const q = here.create();
  const forged = `${q.tunnelId.slice(0, -1)}${q.tunnelId.endsWith('0') ? '1' : '0'}`;
  assert.notEqual(here.hostnameFor(forged), q.hostname);
  for (const bad of [
    q.hostname.replace('.quick.warren.localhost', '.quick.example.com'),
    q.hostname.toUpperCase(),
    `zzzz-${q.hostname.slice(5)}`,
    `x.${q.hostname}`,
    'able-acid-aged-also-0000000g.quick.warren.localhost',
    'quick.warren.localhost',
  ]) {
    assert.equal(here.tunnelIdFor(bad), undefined, bad);
  }
});

/** The first two tunnel ids it mints share one name: a collision, on demand. */
class CollidingAuthority extends QuickTunnelAuthority {
  readonly colliding = new Set<string>();
  static readonly TAKEN = 'able-acid-aged-also-00000000.quick.warren.localhost';

  override create(): QuickTunnelCredentials {
    const q = super.create();
    if (this.colliding.size < 2) this.colliding.add(q.tunnelId);
    return { ...q, hostname: this.hostnameFor(q.tunnelId) };
  }

  override hostnameFor(tunnelId: string): string {
    return this.colliding.has(tunnelId) ? CollidingAuthority.TAKEN : super.hostnameFor(tunnelId);
  }
}

const links: RawLink[] = [];
let h: EdgeHarness | undefined;
after(async () => {
  for (const l of links) l.conn.destroy();
  await h?.close();
});

/** A link that answers every request with `x-who: <who>`. */
async function answering(edge: EdgeHarness, who: string): Promise<RawLink> {
  const link = await dialTunnel(edge.tunnelPort, edge.ca);
  links.push(link);
  link.conn.onStream = (stream) => {
    stream.respond({ status: 200, headers: ['x-who', who], endOfStream: true });
  };
  return link;
}

test('a-quick-tunnel-name-is-never-handed-to-another-tunnel', async () => {
  let authority: CollidingAuthority | undefined;
  h = await startEdge({
    quick: async (dataDir) => {
      const a = await QuickTunnelAuthority.open(dataDir, 'warren.localhost');
      // Same key file, colliding names.
      authority = new CollidingAuthority(Buffer.from(a.secretFor('key-probe')), 'warren.localhost');
      return authority;
    },
  });
  const edge = h;
  assert.ok(authority);
  const a = await answering(edge, 'A');
  const first = (await register(a, { kind: 'quick-new' })) as Registration;
  assert.equal(first.hostname, CollidingAuthority.TAKEN);

  // The second new tunnel's first draw collides: it draws again and gets a name of its own.
  const b = await answering(edge, 'B');
  const second = (await register(b, { kind: 'quick-new' })) as Registration;
  assert.ok(second.hostname, JSON.stringify(second));
  assert.notEqual(second.hostname, CollidingAuthority.TAKEN);
  assert.match(second.hostname, NAME);
  assert.equal((await visit(edge.httpPort, CollidingAuthority.TAKEN, '/')).headers['x-who'], 'A');
  assert.equal((await visit(edge.httpPort, second.hostname, '/')).headers['x-who'], 'B');

  // A tunnel whose own name is taken (the drawn-but-refused id, with valid credentials) cannot re-join into it.
  const [, refusedId] = [...authority.colliding];
  assert.ok(refusedId);
  const c = await answering(edge, 'C');
  const rejoin = await register(c, {
    kind: 'secret',
    accountTag: 'quick',
    tunnelId: refusedId,
    proof: proveSecret(authority.secretFor(refusedId), c.hello.nonce),
  });
  assert.deepEqual('code' in rejoin ? [rejoin.code, rejoin.retryable] : rejoin, ['WARREN_QUICK_NAME_TAKEN', false]);
  assert.equal((await visit(edge.httpPort, CollidingAuthority.TAKEN, '/')).headers['x-who'], 'A');

  // The rightful tunnel's further links still join under its name.
  const quick = first.quick;
  assert.ok(quick);
  const a2 = await answering(edge, 'A');
  const again = await register(a2, quickSecretAuth(a2, quick), 1);
  assert.equal('hostname' in again ? again.hostname : again, CollidingAuthority.TAKEN);
});
