import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { Ingress, IngressError, requestHost, requestPath } from '../src/connector/ingress/index.js';

// Rule numbers below are 1-based, as users read them.
const ingress = Ingress.validate([
  { hostname: 'example.com', service: 'http://localhost:1001' }, // 1: apex only
  { hostname: '*.example.com', path: '^/api/', service: 'http://localhost:1002' }, // 2
  { hostname: '*.example.com', service: 'http://localhost:1003' }, // 3: any subdomain
  { hostname: 'bücher.example.org', service: 'http://localhost:1004' }, // 4: IDN
  { hostname: 'files.example.net', path: '\\.(jpg|png)$', service: 'http://localhost:1005' }, // 5: unanchored end
  { hostname: 'files.example.net', path: 'static', service: 'http://localhost:1006' }, // 6: unanchored anywhere
  { path: '^/health$', service: 'http_status:204' }, // 7: any host, exact path
  { hostname: 'MiXeD.Example.io', path: '(?i)^/admin', service: 'http://localhost:1008' }, // 8: case
  { service: 'http_status:404' }, // 9: catch-all
]);

const cases: [string, string, string, number][] = [
  // [what, Host header, request target, expected rule]
  ['apex matches its exact rule', 'example.com', '/', 1],
  ['apex is not matched by the wildcard', 'example.com', '/api/x', 1],
  ['one label below the wildcard', 'a.example.com', '/', 3],
  ['two labels below the wildcard', 'a.b.example.com', '/', 3],
  ['wildcard plus path: first match wins', 'a.example.com', '/api/users', 2],
  ['path regex is anchored with ^: /v1/api/ is not /api/', 'a.example.com', '/v1/api/users', 3],
  ['a suffix is not a subdomain', 'notexample.com', '/', 9],
  ['port in Host is stripped', 'example.com:8080', '/', 1],
  ['port in Host with wildcard', 'x.example.com:443', '/api/1', 2],
  ['Host is case-insensitive', 'EXAMPLE.COM', '/', 1],
  ['trailing dot in Host', 'example.com.', '/', 1],
  ['IDN rule matches the punycode Host browsers send', 'xn--bcher-kva.example.org', '/', 4],
  ['IDN rule matches the Unicode form too', 'bücher.example.org', '/', 4],
  ['unanchored path matches the end only when $ says so', 'files.example.net', '/a/b/c.png', 5],
  ['png not at the end falls through', 'files.example.net', '/a.png/x', 9],
  ['unanchored path matches anywhere', 'files.example.net', '/x/static/y', 6],
  ['query string is not part of the path', 'files.example.net', '/doc?file=a.png', 9],
  ['path is percent-decoded before matching', 'files.example.net', '/img%2Fa.jpg', 5],
  ['host-less rule with an anchored path', 'whatever.test', '/health', 7],
  ['anchored path does not match a longer one', 'whatever.test', '/healthz', 9],
  ['rule hostname is lower-cased; (?i) makes the path case-insensitive', 'mixed.example.io', '/ADMIN/x', 8],
  ['no Host header falls to the catch-all', '', '/', 9],
  ['absolute-form target uses its path', 'a.example.com', 'http://a.example.com/api/x?y', 2],
  ['IPv6 literal Host with port', '[::1]:8080', '/', 9],
];

for (const [what, host, target, expected] of cases) {
  test(`ingress-match: ${what}`, () => {
    const headers = host === '' ? ['Accept', '*/*'] : ['Accept', '*/*', 'Host', host];
    const rule = ingress.matchRequest(headers, target);
    assert.equal(rule.index + 1, expected, `Host "${host}" ${target} → rule #${rule.index + 1}, want #${expected}`);
  });
}

test('ingress-match: a single rule serves everything without parsing the request', () => {
  const one = Ingress.fromUrl('http://localhost:3000');
  assert.equal(one.matchRequest([], '/anything').index, 0);
});

test('ingress-match: request helpers normalise host and path', () => {
  assert.equal(requestHost(['host', 'App.Example.COM:443']), 'app.example.com');
  assert.equal(requestHost(['HOST', '[::1]:80']), '[::1]');
  assert.equal(requestPath('/a%20b?c=d#e'), '/a b');
  assert.equal(requestPath('/bad%zzescape'), '/bad%zzescape');
});

test('ingress-match: a rule prints as cloudflared prints it', () => {
  assert.equal(String(ingress.rules[1]), '\thostname: *.example.com\n\tpath: ^/api/\n\tservice: http://localhost:1002');
  assert.equal(String(ingress.rules[8]), '\tservice: http_status:404');
});

/** Matches `path` against a rule with `pattern` in a worker, so a stalled match fails the test at the deadline instead of holding it. */
async function matchWithin(pattern: string, path: string, deadlineMs: number): Promise<number> {
  const module = new URL('../src/connector/ingress/index.js', import.meta.url).href;
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     import(workerData.module).then(({ Ingress }) => {
       const ingress = Ingress.validate([{ path: workerData.pattern, service: 'http_status:200' }, { service: 'http_status:404' }]);
       parentPort.postMessage(ingress.match('a.example.com', workerData.path).index);
     });`,
    { eval: true, workerData: { module, pattern, path } },
  );
  try {
    const answer = new Promise<number>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const deadline = new Promise<never>((_, reject) => {
      const t = setTimeout(
        () => reject(new Error(`"${pattern}" on ${path.length} characters took over ${deadlineMs} ms`)),
        deadlineMs,
      );
      t.unref();
    });
    return await Promise.race([answer, deadline]);
  } finally {
    await worker.terminate();
  }
}

test('ingress-match: a path pattern that backtracks exponentially matches in linear time (RE2)', async () => {
  // A backtracking engine takes 2.6 s at 29 characters and doubles per character: 40 is hours.
  const path = `/${'a'.repeat(40)}!`;
  assert.equal(await matchWithin('^/(a+)+$', path, 5_000), 1, 'falls through to the catch-all');
  assert.equal(await matchWithin('^/(a+)+$', `/${'a'.repeat(40)}`, 5_000), 0);
  // Long paths stay linear too (a request target is bounded by the header limit anyway).
  assert.equal(await matchWithin('(x+x+)+y', `/${'x'.repeat(20_000)}`, 5_000), 1);
});

test('ingress-match: a pattern RE2 cannot compile is refused, naming the rule and the pattern', () => {
  for (const pattern of ['^/(?=admin)', '^/(a)\\1$', '(?<!x)y']) {
    assert.throws(
      () =>
        Ingress.validate([
          { hostname: 'a.example.com', service: 'http://localhost:1' },
          { hostname: 'b.example.com', path: pattern, service: 'http://localhost:1' },
          { service: 'http_status:404' },
        ]),
      (err: unknown) => {
        assert.ok(err instanceof IngressError);
        assert.equal(err.ruleNumber, 2);
        assert.ok(
          err.message.startsWith(`ingress rule #2: path "${pattern}" is not a regular expression RE2 accepts (`),
          err.message,
        );
        assert.match(err.message, /no lookaround or backreferences/);
        return true;
      },
    );
  }
});
