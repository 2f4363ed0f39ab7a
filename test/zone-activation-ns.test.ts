import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import dnsPacket from 'dns-packet';
import { dnsNsLookup } from '../src/control/index.js';
import { type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';
import type { AuditResult, TunnelResult, ZoneResult } from './support/control-types.js';

/** A tiny authoritative DNS server on UDP loopback: NS records by name, NXDOMAIN otherwise. */
class NsServer {
  readonly records = new Map<string, string[]>();
  readonly #socket: Socket = createSocket('udp4');

  async listen(): Promise<string> {
    this.#socket.on('message', (msg, peer) => {
      const q = dnsPacket.decode(msg);
      const question = q.questions?.[0];
      if (question === undefined) return;
      const ns = question.type === 'NS' ? this.records.get(question.name.toLowerCase()) : undefined;
      const answer = dnsPacket.encode({
        type: 'response',
        id: q.id,
        flags: dnsPacket.AUTHORITATIVE_ANSWER | (ns === undefined ? 3 : 0), // rcode 3: NXDOMAIN
        questions: [question],
        answers: (ns ?? []).map((data) => ({ type: 'NS', name: question.name, ttl: 60, data })),
      });
      this.#socket.send(answer, peer.port, peer.address);
    });
    this.#socket.bind(0, '127.0.0.1');
    await once(this.#socket, 'listening');
    return `127.0.0.1:${this.#socket.address().port}`;
  }

  close(): void {
    this.#socket.close();
  }
}

for (const dialect of DIALECTS) {
  describe(`full zones wait for their NS delegation unless auto-activated (${dialect.name})`, {
    skip: dialect.skip,
  }, () => {
    const dns = new NsServer();
    let h: ControlHarness;

    before(async () => {
      const server = await dns.listen();
      h = await startControl(dialect, { zoneAutoActivate: false, nsLookup: dnsNsLookup(server, 2_000) });
    });
    after(async () => {
      await h?.close();
      dns.close();
    });

    test('pending and not routed until every NS record is ns1/ns2.<domain>; then activation_check activates it, audited', async () => {
      const made = await h.call<ZoneResult>('POST', '/zones', { account: { id: h.accountId }, name: 'delegated.test' });
      assert.equal(made.status, 200, JSON.stringify(made.json.errors));
      const zone = made.json.result;
      assert.equal(zone.status, 'pending');
      assert.deepEqual(zone.name_servers, ['ns1.warren.localhost', 'ns2.warren.localhost']);
      const tunnel = (await h.call<TunnelResult>('POST', `/accounts/${h.accountId}/cfd_tunnel`, { name: 'd' })).json
        .result;
      const routed = await h.call('PUT', `/zones/${zone.id}/tunnels/${tunnel.id}/routes`, {
        type: 'dns',
        user_hostname: 'app.delegated.test',
      });
      assert.equal(routed.status, 200, JSON.stringify(routed.json.errors));
      await h.control.router.refresh();
      assert.equal(h.control.router.resolve('app.delegated.test'), undefined, 'pending: not routed');

      const check = async (): Promise<string> => {
        const r = await h.call('PUT', `/zones/${zone.id}/activation_check`);
        assert.equal(r.status, 200, JSON.stringify(r.json.errors));
        return (await h.call<ZoneResult>('GET', `/zones/${zone.id}`)).json.result.status;
      };
      assert.equal(await check(), 'pending', 'not delegated at all');
      dns.records.set('delegated.test', ['ns1.elsewhere.test', 'ns2.elsewhere.test']);
      assert.equal(await check(), 'pending', 'delegated elsewhere');
      dns.records.set('delegated.test', ['ns1.warren.localhost', 'ns9.elsewhere.test']);
      assert.equal(await check(), 'pending', 'another server could answer for it');
      dns.records.set('delegated.test', ['NS1.warren.localhost', 'ns2.warren.localhost']);
      assert.equal(await check(), 'active');
      await h.control.router.refresh();
      assert.equal(h.control.router.resolve('app.delegated.test'), tunnel.id);

      const again = await h.call('PUT', `/zones/${zone.id}/activation_check`);
      assert.equal(again.status, 400);
      assert.match(again.json.errors[0]?.message ?? '', /active already/);
      const audit = await h.call<AuditResult[]>('GET', `/accounts/${h.accountId}/audit_logs?action.type=zone_activate`);
      assert.equal(audit.json.result.length, 1);
      assert.equal(audit.json.result[0]?.resource.id, zone.id);
    });

    test('a partial zone switched to full stays pending until its own activation check', async () => {
      const zone = (
        await h.call<ZoneResult>('POST', '/zones', {
          account: { id: h.accountId },
          name: 'switch.test',
          type: 'partial',
        })
      ).json.result;
      const full = await h.call<ZoneResult>('PATCH', `/zones/${zone.id}`, { type: 'full' });
      assert.equal(full.json.result.type, 'full');
      assert.equal(full.json.result.status, 'pending');
    });
  });
}
