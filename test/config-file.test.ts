import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  findConfigFile,
  ingressOf,
  loadConfigFile,
  parseConfig,
  parseDurationMs,
  singleOriginOverrides,
} from '../src/connector/config/index.js';
import { WarrenError } from '../src/errors/index.js';

const dir = mkdtempSync(join(tmpdir(), 'warren-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// A config.yml as cloudflared users have them, credentials aside.
const CLOUDFLARED_CONFIG = `tunnel: 6ff42ae2-765d-4adf-8112-31c55c1551ef
credentials-file: /root/.cloudflared/6ff42ae2-765d-4adf-8112-31c55c1551ef.json
loglevel: debug
no-autoupdate: true
protocol: http2
metrics: 127.0.0.1:2000
originRequest:
  connectTimeout: 10s
  noTLSVerify: false
ingress:
  - hostname: app.example.com
    service: http://localhost:8000
    originRequest:
      httpHostHeader: app.internal
      keepAliveTimeout: 1m30s
  - hostname: "*.example.com"
    path: ^/static/
    service: unix:/run/static.sock
  - hostname: secure.example.com
    service: https://localhost:8443
    originRequest:
      noTLSVerify: yes
      access:
        required: true
        teamName: myteam
        audTag: [aud1, aud2]
  - service: http_status:404
`;

test('config-reads-a-cloudflared-config-unchanged', () => {
  const c = parseConfig(CLOUDFLARED_CONFIG, 'config.yml');
  assert.equal(c.tunnel, '6ff42ae2-765d-4adf-8112-31c55c1551ef');
  assert.equal(c.credentialsFile, '/root/.cloudflared/6ff42ae2-765d-4adf-8112-31c55c1551ef.json');
  assert.deepEqual(c.flags, { loglevel: 'debug', metrics: '127.0.0.1:2000' });
  assert.deepEqual(c.originRequest, { connectTimeoutMs: 10_000, noTLSVerify: false });
  assert.deepEqual(c.ingressLines, [11, 16, 19, 27]);
  assert.deepEqual(c.warnings, [
    'config.yml:4: "no-autoupdate" is a cloudflared option with no effect in warren; it is ignored',
    'config.yml:5: "protocol" is a cloudflared option with no effect in warren; it is ignored',
  ]);
  const ingress = ingressOf(c);
  assert.ok(ingress !== undefined);
  const [app, stat, secure] = ingress.rules;
  assert.equal(app?.originRequest.connectTimeoutMs, 10_000, 'global originRequest applies to every rule');
  assert.equal(app?.originRequest.httpHostHeader, 'app.internal');
  assert.equal(app?.originRequest.keepAliveTimeoutMs, 90_000);
  assert.deepEqual(stat?.service, { kind: 'unix', path: '/run/static.sock', tls: false });
  assert.equal(secure?.originRequest.noTLSVerify, true, 'yes is true, as go-yaml reads it for a bool');
  assert.deepEqual(secure?.originRequest.access, { required: true, teamName: 'myteam', audTag: ['aud1', 'aud2'] });
});

test('config-unknown-keys-warn-with-a-suggestion', () => {
  const c = parseConfig(
    `tunnel: x
ingres:
  - service: http_status:404
originRequest:
  conectTimeout: 5s
  http2Origin: true
`,
    'c.yml',
  );
  assert.deepEqual(c.warnings, [
    'c.yml:2: unknown key "ingres" is ignored (did you mean "ingress"?)',
    'c.yml:5: unknown key originRequest.conectTimeout is ignored (did you mean "connectTimeout"?)',
    'c.yml:6: originRequest.http2Origin has no effect in warren; it is ignored',
  ]);
  assert.equal(c.ingress, undefined);
  const rule = parseConfig('ingress:\n  - service: hello_world\n    hostnme: a.example.com\n', 'r.yml');
  assert.deepEqual(rule.warnings, [
    'r.yml:3: ingress rule #1: unknown key "hostnme" is ignored (did you mean "hostname"?)',
  ]);
});

// [what, yaml, message (file:line, rule, fix)]
const failures: [string, string, RegExp][] = [
  ['not YAML', 'ingress: [\n', /^bad\.yml:\d+: not valid YAML/],
  [
    'unquoted wildcard hostname',
    'ingress:\n  - hostname: *.example.com\n    service: http://localhost:1\n  - service: http_status:404\n',
    /^bad\.yml:2: .*must be quoted, e\.g\. hostname: "\*\.example\.com"/,
  ],
  ['not a map', '- a\n- b\n', /^bad\.yml:1: the file is not a map of keys; write "key: value" lines/],
  [
    'ingress not a list',
    'ingress:\n  service: http://localhost:1\n',
    /^bad\.yml:2: ingress: must be a list of rules; write each rule on a line starting with "- "/,
  ],
  ['rule not a map', 'ingress:\n  - http://localhost:1\n', /^bad\.yml:2: ingress rule #1: is not a map/],
  [
    'service is a map',
    'ingress:\n  - service:\n      url: x\n',
    /^bad\.yml:3: ingress rule #1: service: must be a string/,
  ],
  [
    'duration without unit',
    'ingress:\n  - service: http://localhost:1\n    originRequest:\n      connectTimeout: 30\n',
    /^bad\.yml:4: ingress rule #1: originRequest\.connectTimeout: is 30, a number with no unit; write "30s" for seconds/,
  ],
  [
    'duration nonsense',
    'originRequest:\n  tlsTimeout: soon\n',
    /^bad\.yml:2: originRequest\.tlsTimeout: is "soon", not a duration; write e\.g\. "30s"/,
  ],
  ['negative duration', 'originRequest:\n  tcpKeepAlive: -5s\n', /cannot be negative; write e\.g\. "30s"/],
  [
    'bool as a word',
    'ingress:\n  - hostname: a.example.com\n    service: http://localhost:1\n  - service: http://localhost:2\n    originRequest:\n      noTLSVerify: maybe\n',
    /^bad\.yml:6: ingress rule #2: originRequest\.noTLSVerify: is "maybe", not true or false; write true or false/,
  ],
  [
    'int as text',
    'originRequest:\n  keepAliveConnections: many\n',
    /^bad\.yml:2: originRequest\.keepAliveConnections: is "many", not a whole number; write e\.g\. 100/,
  ],
  ['negative int', 'originRequest:\n  keepAliveConnections: -1\n', /cannot be negative; write 0 or more/],
  ['flag of the wrong type', 'ha-connections: four\n', /^bad\.yml:1: ha-connections: is "four", not a whole number/],
  ['empty value', 'tunnel:\n', /^bad\.yml:1: tunnel: has no value; write a string/],
  [
    'access not a map',
    'originRequest:\n  access: true\n',
    /^bad\.yml:2: originRequest\.access: must be a map; write "required: true"/,
  ],
  [
    'healthCheck not a map',
    'ingress:\n  - service: http://localhost:1\n    originRequest:\n      healthCheck: /healthz\n',
    /^bad\.yml:4: ingress rule #1: originRequest\.healthCheck: must be a map; write "path: \/healthz" and "interval: 10s"/,
  ],
  [
    'healthCheck empty',
    'originRequest:\n  healthCheck:\n',
    /^bad\.yml:\d: originRequest\.healthCheck: is empty; write "path: \/healthz"/,
  ],
  [
    'healthCheck interval without unit',
    'ingress:\n  - service: http://localhost:1\n    originRequest:\n      healthCheck:\n        path: /h\n        interval: 10\n',
    /^bad\.yml:6: ingress rule #1: originRequest\.healthCheck\.interval: is 10, a number with no unit; write "10s"/,
  ],
  [
    'healthCheck threshold as text',
    'originRequest:\n  healthCheck:\n    path: /h\n    interval: 1s\n    unhealthyThreshold: two\n',
    /^bad\.yml:5: originRequest\.healthCheck\.unhealthyThreshold: is "two", not a whole number/,
  ],
];

for (const [what, yaml, message] of failures) {
  test(`config-fails-clearly: ${what}`, () => {
    assert.throws(
      () => parseConfig(yaml, 'bad.yml'),
      (err: unknown) => {
        assert.ok(err instanceof WarrenError);
        assert.equal(err.code, 'WARREN_CONFIG_INVALID');
        assert.match(err.message, message);
        return true;
      },
    );
  });
}

test('config-ingress-errors-name-the-file-line-and-rule', () => {
  const c = parseConfig(
    `ingress:
  - hostname: a.example.com
    service: http://localhost:1
  - hostname: b.example.com:8443
    service: http://localhost:2
  - service: http_status:404
`,
    '/etc/warren/config.yml',
  );
  assert.throws(
    () => ingressOf(c),
    (err: unknown) =>
      err instanceof WarrenError &&
      err.code === 'WARREN_INGRESS_INVALID' &&
      err.message ===
        '/etc/warren/config.yml:4: ingress rule #2: hostname "b.example.com:8443" has a port; remove the port: write "b.example.com"; requests match whatever port they came in on',
  );
  const empty = parseConfig('ingress: []\n', 'e.yml');
  assert.throws(() => ingressOf(empty), /^Error|e\.yml: ingress: there are no ingress rules/);
  assert.equal(ingressOf(parseConfig('tunnel: x\n', 'n.yml')), undefined, 'no ingress key: no ingress');
});

test('config-empty-file-is-an-empty-config', () => {
  const c = parseConfig('', 'empty.yml');
  assert.equal(c.tunnel, undefined);
  assert.deepEqual(c.flags, {});
  assert.deepEqual(c.warnings, []);
});

test('config-is-found-by-flag-then-home-then-etc', () => {
  const home = join(dir, 'home');
  const etc = join(dir, 'etc');
  mkdirSync(join(home, '.warren'), { recursive: true });
  mkdirSync(etc, { recursive: true });
  assert.equal(findConfigFile({ home, etcDir: etc }), undefined);
  writeFileSync(join(etc, 'config.yml'), 'tunnel: etc\n');
  assert.equal(findConfigFile({ home, etcDir: etc }), join(etc, 'config.yml'));
  writeFileSync(join(home, '.warren', 'config.yml'), 'tunnel: home\n');
  assert.equal(findConfigFile({ home, etcDir: etc }), join(home, '.warren', 'config.yml'));
  const explicit = join(dir, 'mine.yml');
  writeFileSync(explicit, 'tunnel: mine\n');
  assert.equal(findConfigFile({ explicit, home, etcDir: etc }), explicit);
  assert.equal(loadConfigFile(explicit).tunnel, 'mine');
  assert.throws(
    () => findConfigFile({ explicit: join(dir, 'missing.yml'), home, etcDir: etc }),
    (err: unknown) =>
      err instanceof WarrenError &&
      err.code === 'WARREN_CONFIG_NOT_FOUND' &&
      /--config .*missing\.yml: no such file; check the path/.test(err.message),
  );
});

test('config-single-origin-flags-become-originRequest', () => {
  const c = parseConfig(
    'url: https://localhost:8443\nno-tls-verify: true\nproxy-connect-timeout: 5s\nhttp-host-header: internal\n',
    's.yml',
  );
  assert.deepEqual(singleOriginOverrides(c.flags), {
    connectTimeoutMs: 5_000,
    noTLSVerify: true,
    httpHostHeader: 'internal',
  });
});

test('config-go-durations', () => {
  const cases: [string, number | undefined][] = [
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['2us', 0.002],
    ['0', 0],
    ['30', undefined],
    ['', undefined],
    ['5x', undefined],
    ['s', undefined],
  ];
  for (const [text, ms] of cases) assert.equal(parseDurationMs(text, { bareNumberIsSeconds: false }), ms, text);
});

test('config-duration-flags-read-a-bare-number-as-seconds-in-the-file-as-on-the-command-line', () => {
  // `--grace-period 30` is 30 seconds; the same key in config.yml was refused ("a number with no unit").
  const c = parseConfig('grace-period: 30\nconnect-timeout: "1.5"\nheartbeat-interval: 2s\n', 'flags.yml');
  assert.deepEqual(c.flags, { 'grace-period': 30_000, 'connect-timeout': 1_500, 'heartbeat-interval': 2_000 });
  assert.equal(parseDurationMs('30', { bareNumberIsSeconds: true }), 30_000);
  assert.throws(
    () => parseConfig('grace-period: -3\n', 'flags.yml'),
    /flags\.yml:1: grace-period: is -3; a duration cannot be negative/,
  );
});

test('config-health-check-is-read-and-validated-with-the-rule', () => {
  const c = parseConfig(
    `originRequest:
  healthCheck:
    interval: 10s
    timout: 1s
ingress:
  - hostname: app.example.com
    service: http://localhost:8000
    originRequest:
      healthCheck:
        path: /healthz
        timeout: 500ms
        unhealthyThreshold: 3
  - hostname: ok.example.com
    service: http_status:200
    originRequest:
      healthCheck:
        path: /healthz
  - service: http_status:404
`,
    'hc.yml',
  );
  assert.deepEqual(c.originRequest, { healthCheck: { intervalMs: 10_000 } });
  assert.deepEqual(c.ingress?.[0]?.originRequest, {
    healthCheck: { path: '/healthz', timeoutMs: 500, unhealthyThreshold: 3 },
  });
  assert.deepEqual(c.warnings, [
    'hc.yml:4: unknown key originRequest.healthCheck.timout is ignored (did you mean "timeout"?)',
  ]);
  assert.throws(
    () => ingressOf(c),
    (err: unknown) =>
      err instanceof WarrenError &&
      err.code === 'WARREN_INGRESS_INVALID' &&
      /^hc\.yml:13: ingress rule #2: originRequest\.healthCheck needs an http\(s\) or unix: service/.test(err.message),
  );
  const fixed = parseConfig(
    'originRequest:\n  healthCheck:\n    interval: 10s\ningress:\n  - hostname: app.example.com\n    service: http://localhost:8000\n    originRequest:\n      healthCheck:\n        path: /healthz\n  - service: http_status:404\n',
    'ok.yml',
  );
  assert.deepEqual(ingressOf(fixed)?.rules[0]?.originRequest.healthCheck, {
    path: '/healthz',
    intervalMs: 10_000,
    timeoutMs: 2_000,
    unhealthyThreshold: 2,
  });
});
