import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { idpFetch, isPublicAddress } from '../src/access/index.js';
import { WarrenError } from '../src/errors/index.js';

test('only public unicast addresses count as public (IPv4, IPv6 and IPv6 forms that embed IPv4)', () => {
  const notPublic = [
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '64:ff9b::a9fe:a9fe',
    '2002:7f00:1::',
    'not an address',
  ];
  for (const ip of notPublic) assert.equal(isPublicAddress(ip), false, ip);
  for (const ip of ['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111']) assert.equal(isPublicAddress(ip), true, ip);
});

test('the identity provider fetch refuses private destinations before sending anything, unless the operator allows them', async () => {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const guarded = idpFetch({ allowPrivate: false });
    for (const url of [
      `http://127.0.0.1:${port}/token`,
      `http://localhost:${port}/token`,
      `http://[::ffff:127.0.0.1]:${port}/token`,
      'http://169.254.169.254/latest/meta-data/',
    ]) {
      await assert.rejects(
        guarded(url, { method: 'GET', headers: {} }),
        (err: unknown) => err instanceof WarrenError && err.code === 'WARREN_IDP_ADDRESS_REFUSED',
        url,
      );
    }
    assert.equal(hits, 0);
    const open = idpFetch({ allowPrivate: true });
    const res = await open(`http://127.0.0.1:${port}/token`, { method: 'GET', headers: {} });
    assert.equal(res.status, 200);
    assert.equal(hits, 1);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
