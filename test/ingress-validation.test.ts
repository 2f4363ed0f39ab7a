import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Ingress,
  IngressError,
  IngressErrors,
  type OriginRequestOverrides,
  originUrlOf,
  parseOriginService,
  type UnvalidatedIngressRule,
} from '../src/connector/ingress/index.js';
import { WarrenError } from '../src/errors/index.js';

const CATCH_ALL: UnvalidatedIngressRule = { service: 'http_status:404' };
const ok = (r: UnvalidatedIngressRule): UnvalidatedIngressRule[] => [
  { hostname: 'fine.example.com', service: 'http://localhost:1' },
  r,
  CATCH_ALL,
];

// [validator rule, rules, global originRequest, rule number named, text of the fix]
const cases: [string, UnvalidatedIngressRule[], OriginRequestOverrides, number | undefined, RegExp][] = [
  ['no rules at all', [], {}, undefined, /add at least a catch-all rule.*http_status:404/],
  ['a rule without service', ok({ hostname: 'a.example.com' }), {}, 2, /add e\.g\. "service: http:\/\/localhost:8080"/],
  ['unknown scheme', ok({ hostname: 'a.example.com', service: 'ftp://x:21' }), {}, 2, /use http:\/\/, https:\/\//],
  ['not a URL', ok({ hostname: 'a.example.com', service: 'localhost:8080' }), {}, 2, /unknown scheme|write a URL/],
  [
    'service with a path',
    ok({ hostname: 'a.example.com', service: 'http://localhost:8080/app' }),
    {},
    2,
    /write only the scheme, host and port, e\.g\. "http:\/\/localhost:8080"/,
  ],
  [
    'service with credentials',
    ok({ hostname: 'a.example.com', service: 'http://u:p@localhost:1' }),
    {},
    2,
    /remove the user:password@ part/,
  ],
  [
    'http_status out of range',
    ok({ hostname: 'a.example.com', service: 'http_status:1000' }),
    {},
    2,
    /status from 200 to 599/,
  ],
  ['http_status not a number', ok({ hostname: 'a.example.com', service: 'http_status:abc' }), {}, 2, /http_status:404/],
  ['unix: without a path', ok({ hostname: 'a.example.com', service: 'unix:' }), {}, 2, /unix:\/run\/app\.sock/],
  ['cloudflared-only service', ok({ hostname: 'a.example.com', service: 'bastion' }), {}, 2, /not supported by warren/],
  ['udp:// without port', ok({ hostname: 'a.example.com', service: 'udp://localhost' }), {}, 2, /udp:\/\/localhost:53/],
  [
    'proxyProtocol that is not v1 or v2',
    ok({ hostname: 'a.example.com', service: 'tcp://localhost:22', originRequest: { proxyProtocol: 'v3' as 'v1' } }),
    {},
    2,
    /"proxyProtocol: v1" \(text\) or "proxyProtocol: v2"/,
  ],
  [
    'proxyProtocol on an http rule',
    ok({ hostname: 'a.example.com', service: 'http://localhost:1', originRequest: { proxyProtocol: 'v1' } }),
    {},
    2,
    /proxyProtocol needs a tcp:\/\/.*move it to the rule of the TCP service/,
  ],
  [
    'bastionMode without an allow-list',
    ok({ hostname: 'a.example.com', service: 'tcp://localhost:22', originRequest: { bastionMode: true } }),
    {},
    2,
    /bastionDestinations is empty.*list the destinations clients may name/,
  ],
  [
    'a bastion destination that is not host:port',
    ok({
      hostname: 'a.example.com',
      service: 'tcp://localhost:22',
      originRequest: { bastionMode: true, bastionDestinations: ['10.0.0.5'] },
    }),
    {},
    2,
    /"10\.0\.0\.5" is not host:port.*"- db\.internal:\*"/,
  ],
  [
    'udpIdleTimeout of zero',
    ok({ hostname: 'a.example.com', service: 'udp://localhost:53' }),
    { udpIdleTimeoutMs: 0 },
    undefined,
    /udpIdleTimeout: 60s/,
  ],
  [
    'tcp:// without port',
    ok({ hostname: 'a.example.com', service: 'tcp://localhost' }),
    {},
    2,
    /tcp:\/\/localhost:5432/,
  ],
  [
    'last rule has a hostname',
    [{ hostname: 'a.example.com', service: 'http://localhost:1' }],
    {},
    1,
    /add a final rule without hostname and path/,
  ],
  [
    'last rule has a path',
    [
      { hostname: 'a.example.com', service: 'http://localhost:1' },
      { path: '^/x', service: 'http://localhost:2' },
    ],
    {},
    2,
    /must match every request; add a final rule/,
  ],
  [
    'catch-all before the end',
    [{ service: 'http://localhost:1' }, { hostname: 'a.example.com', service: 'http://localhost:2' }, CATCH_ALL],
    {},
    1,
    /2 rules after it would never be used; give it a hostname or a path, or move it to the end/,
  ],
  [
    'hostname "*" before the end',
    [{ hostname: '*', service: 'http://localhost:1' }, CATCH_ALL],
    {},
    1,
    /hostname "\*".*move it to the end/,
  ],
  [
    'hostname with a port',
    ok({ hostname: 'a.example.com:8080', service: 'http://localhost:1' }),
    {},
    2,
    /write "a\.example\.com"/,
  ],
  [
    'hostname is a URL',
    ok({ hostname: 'https://a.example.com', service: 'http://localhost:1' }),
    {},
    2,
    /write only the host name/,
  ],
  ['wildcard inside', ok({ hostname: 'a.*.example.com', service: 'http://localhost:1' }), {}, 2, /"\*\.example\.com"/],
  [
    'wildcard as part of a label',
    ok({ hostname: '*foo.example.com', service: 'http://localhost:1' }),
    {},
    2,
    /only as the leading label/,
  ],
  [
    'hostname that is no domain',
    ok({ hostname: 'exa mple.com', service: 'http://localhost:1' }),
    {},
    2,
    /write e\.g\. "app\.example\.com"/,
  ],
  [
    'path is not a regular expression',
    ok({ path: '(unclosed', service: 'http://localhost:1' }),
    {},
    2,
    /escape special characters/,
  ],
  [
    'zero connectTimeout',
    ok({ hostname: 'a.example.com', service: 'http://localhost:1', originRequest: { connectTimeoutMs: 0 } }),
    {},
    2,
    /connectTimeout must be longer than zero; write e\.g\. "connectTimeout: 30s"/,
  ],
  [
    'fractional keepAliveConnections',
    ok({ hostname: 'a.example.com', service: 'http://localhost:1', originRequest: { keepAliveConnections: 1.5 } }),
    {},
    2,
    /keepAliveConnections: 100/,
  ],
  [
    'negative tcpKeepAlive',
    ok({ hostname: 'a.example.com', service: 'http://localhost:1', originRequest: { tcpKeepAliveMs: -1 } }),
    {},
    2,
    /tcpKeepAlive: 30s/,
  ],
  [
    'httpHostHeader that is no host',
    ok({ hostname: 'a.example.com', service: 'http://localhost:1', originRequest: { httpHostHeader: 'a b' } }),
    {},
    2,
    /httpHostHeader: app\.internal:8080/,
  ],
  [
    'access audTag without teamName',
    ok({
      hostname: 'a.example.com',
      service: 'http://localhost:1',
      originRequest: { access: { required: true, teamName: '', audTag: ['aud1'] } },
    }),
    {},
    2,
    /add "teamName: <your team>"/,
  ],
  [
    "caPool of another user's home",
    ok({ hostname: 'a.example.com', service: 'https://localhost:1', originRequest: { caPool: '~bob/ca.pem' } }),
    {},
    2,
    /originRequest\.caPool "~bob\/ca\.pem" names another user's home \(~user\).*on the connector's host/,
  ],
  [
    'empty tlsClientCert',
    ok({
      hostname: 'a.example.com',
      service: 'https://localhost:1',
      originRequest: { tlsClientCert: ' ', tlsClientKey: '/k.pem' },
    }),
    {},
    2,
    /originRequest\.tlsClientCert is empty/,
  ],
  [
    'tlsClientKey with a NUL',
    ok({
      hostname: 'a.example.com',
      service: 'https://localhost:1',
      originRequest: { tlsClientCert: '/c.pem', tlsClientKey: '/k\u0000.pem' },
    }),
    {},
    2,
    /originRequest\.tlsClientKey holds a NUL character/,
  ],
  [
    'tlsClientCert without tlsClientKey',
    ok({ hostname: 'a.example.com', service: 'https://localhost:1', originRequest: { tlsClientCert: '/c.pem' } }),
    {},
    2,
    /sets tlsClientCert without tlsClientKey; set both/,
  ],
  [
    "unix socket of another user's home",
    ok({ hostname: 'a.example.com', service: 'unix:~bob/app.sock' }),
    {},
    2,
    /the socket path "~bob\/app\.sock" names another user's home/,
  ],
  [
    'global originRequest impossible',
    ok({ hostname: 'a.example.com', service: 'http://localhost:1' }),
    { tlsTimeoutMs: 0 },
    undefined,
    /tlsTimeout: 30s|tlsTimeout/,
  ],
];

for (const [what, rules, global, ruleNumber, fix] of cases) {
  test(`ingress-validation: ${what}`, () => {
    assert.throws(
      () => Ingress.validate(rules, global),
      (err: unknown) => {
        assert.ok(err instanceof IngressError, `expected an IngressError, got ${String(err)}`);
        assert.equal(err.code, 'WARREN_INGRESS_INVALID');
        assert.equal(err.ruleNumber, ruleNumber);
        if (ruleNumber !== undefined) assert.match(err.message, new RegExp(`^ingress rule #${ruleNumber}: `));
        assert.match(err.message, fix);
        return true;
      },
    );
  });
}

test('ingress-validation: a valid set keeps cloudflared defaults and rule overrides', () => {
  const ingress = Ingress.validate(
    [
      { hostname: 'a.example.com', service: 'http://localhost:1', originRequest: { connectTimeoutMs: 5_000 } },
      { service: 'hello_world' },
    ],
    { keepAliveConnections: 7 },
  );
  const [a, b] = ingress.rules;
  assert.equal(a?.originRequest.connectTimeoutMs, 5_000);
  assert.equal(a?.originRequest.keepAliveConnections, 7);
  assert.equal(b?.originRequest.connectTimeoutMs, 30_000);
  assert.equal(b?.originRequest.tlsTimeoutMs, 10_000);
  assert.equal(b?.originRequest.tcpKeepAliveMs, 30_000);
  assert.equal(b?.originRequest.keepAliveTimeoutMs, 90_000);
  assert.equal(b?.service.kind, 'hello_world');
});

test('ingress-validation: every service kind is accepted', () => {
  const services = [
    'http://localhost:8080',
    'https://localhost:8443',
    'ws://localhost:1',
    'wss://localhost:1',
    'unix:/run/app.sock',
    'unix+tls:/run/app.sock',
    'http_status:418',
    'hello_world',
    'tcp://localhost:5432',
    'ssh://localhost:22',
  ];
  const ingress = Ingress.validate([
    ...services.slice(0, -1).map((service, i) => ({ hostname: `h${i}.example.com`, service })),
    { service: services[services.length - 1] as string },
  ]);
  assert.deepEqual(
    ingress.rules.map((r) => r.service.kind),
    ['http', 'http', 'http', 'http', 'unix', 'unix', 'http_status', 'hello_world', 'tcp', 'tcp'],
  );
});

test('ingress-validation: --url errors speak of --url, not of rule #1', () => {
  assert.throws(
    () => Ingress.fromUrl('http://localhost:3000/app'),
    (err: unknown) =>
      err instanceof WarrenError &&
      err.code === 'WARREN_CONFIG_INVALID' &&
      /^--url "http:\/\/localhost:3000\/app" has a path/.test(err.message),
  );
});

test('ingress-validation: an unsupported or empty service says "service" once (issue 20)', () => {
  for (const service of ['bastion', 'socks-proxy']) {
    assert.throws(
      () => Ingress.validate(ok({ hostname: 'a.example.com', service })),
      (err: unknown) =>
        err instanceof IngressError && /rule #2: service "/.test(err.message) && !/service service/.test(err.message),
    );
  }
  assert.throws(
    () => parseOriginService(''),
    (err: unknown) => err instanceof IngressError && err.problem === 'is empty',
  );
});

test('ingress-validation: --url without a scheme is http://, as in cloudflared (issue 20)', () => {
  assert.equal(originUrlOf('localhost:3000'), 'http://localhost:3000');
  assert.equal(originUrlOf('127.0.0.1:8080'), 'http://127.0.0.1:8080');
  assert.equal(originUrlOf('https://localhost:3000'), 'https://localhost:3000');
  assert.equal(originUrlOf('unix:/run/app.sock'), 'unix:/run/app.sock');
  assert.equal(originUrlOf('hello_world'), 'hello_world');
});

test('ingress-validation: healthCheck fills from the global one and the defaults, on HTTP origins only', () => {
  const ingress = Ingress.validate(
    [
      { hostname: 'a.example.com', service: 'http://localhost:1' },
      {
        hostname: 'b.example.com',
        service: 'unix:/run/b.sock',
        originRequest: { healthCheck: { path: '/b', unhealthyThreshold: 5 } },
      },
      { hostname: 'c.example.com', service: 'tcp://localhost:5432' },
      { service: 'http_status:404' },
    ],
    { healthCheck: { path: '/healthz', intervalMs: 10_000 } },
  );
  const [a, b, c, last] = ingress.rules.map((r) => r.originRequest.healthCheck);
  assert.deepEqual(a, { path: '/healthz', intervalMs: 10_000, timeoutMs: 2_000, unhealthyThreshold: 2 });
  assert.deepEqual(b, { path: '/b', intervalMs: 10_000, timeoutMs: 2_000, unhealthyThreshold: 5 });
  assert.equal(c, undefined, 'a global check is not inherited by a tcp rule');
  assert.equal(last, undefined, 'nor by http_status');
  assert.equal(Ingress.validate([{ service: 'http://localhost:1' }]).rules[0]?.originRequest.healthCheck, undefined);
});

test('a bad service string is a coded WarrenError that says what to write', () => {
  assert.throws(
    () => parseOriginService('unix:'),
    (err: unknown) =>
      err instanceof WarrenError &&
      err.code === 'WARREN_INGRESS_INVALID' &&
      /names no socket/.test(err.message) &&
      /unix:\/run\/app\.sock/.test(err.message),
  );
});

test('ingress-validation: every rule is checked, each problem naming its rule and field (issue 20)', () => {
  const rules: UnvalidatedIngressRule[] = [
    { hostname: 'a.example.com:8443', service: 'gopher://x' },
    { hostname: 'b.example.com', path: '(', service: 'http://localhost:1', originRequest: { connectTimeoutMs: 0 } },
    { service: 'http://localhost:2' },
    { hostname: 'd.example.com', service: 'http://localhost:3' },
  ];
  assert.throws(
    () => Ingress.validate(rules, { tlsTimeoutMs: 0 }),
    (err: unknown) => {
      assert.ok(err instanceof IngressErrors);
      assert.deepEqual(
        err.all.map((e) => e.at),
        [
          'originRequest.tlsTimeout',
          'ingress[0].service',
          'ingress[0].hostname',
          'ingress[1].path',
          'ingress[1].originRequest.connectTimeout',
          'ingress[2]',
          'ingress[3]',
        ],
      );
      // Where one error is expected it reads as the first, and its message lists them all.
      assert.equal(err.ruleNumber, undefined);
      assert.match(err.message, /^7 problems in the ingress rules:\n {2}ingress: originRequest\.tlsTimeout must be/);
      assert.match(err.message, /\n {2}ingress rule #4: is the last rule but matches only hostname "d\.example\.com"/);
      return true;
    },
  );
  // One problem stays a plain IngressError, as before.
  assert.throws(
    () => Ingress.validate([{ hostname: 'a.example.com', service: 'http://localhost:1' }]),
    (err: unknown) => err instanceof IngressError && !(err instanceof IngressErrors) && err.at === 'ingress[0]',
  );
});
