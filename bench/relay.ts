/**
 * A bare TCP relay for the bench's reference row: `node dist/bench/relay.js TARGET_PORT`.
 * Every accepted connection is piped to 127.0.0.1:TARGET_PORT and back, with no parsing, no
 * framing and no TLS: the least work a node process can do per hop. Prints
 * `relay listening 127.0.0.1:PORT` when ready.
 */
import { type AddressInfo, connect, createServer } from 'node:net';

const target = Number(process.argv[2]);
if (!Number.isInteger(target) || target <= 0 || target > 65535) {
  process.stderr.write('usage: node dist/bench/relay.js TARGET_PORT\n');
  process.exit(2);
}

const server = createServer({ noDelay: true }, (visitor) => {
  const upstream = connect({ host: '127.0.0.1', port: target, noDelay: true });
  visitor.pipe(upstream).pipe(visitor);
  visitor.on('error', () => upstream.destroy());
  upstream.on('error', () => visitor.destroy());
  visitor.on('close', () => upstream.destroy());
  upstream.on('close', () => visitor.destroy());
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`relay listening 127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
