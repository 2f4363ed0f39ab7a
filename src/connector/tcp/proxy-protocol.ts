import { isIP } from 'node:net';

/** The 12 bytes every PROXY protocol v2 header starts with. */
export const PROXY_V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

export interface Endpoint {
  address: string;
  port: number;
}

/** An IPv4 address as IPv6 (`::ffff:a.b.c.d`), for a header whose other end is IPv6. */
function asV6(address: string): string {
  return isIP(address) === 4 ? `::ffff:${address}` : address;
}

function v6Bytes(address: string): Buffer {
  const out = Buffer.alloc(16);
  let a = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (v4 !== null) {
    const parts = (v4[1] as string).split('.').map(Number);
    const hi = ((parts[0] as number) << 8) | (parts[1] as number);
    const lo = ((parts[2] as number) << 8) | (parts[3] as number);
    a = `${a.slice(0, v4.index)}${hi.toString(16)}:${lo.toString(16)}`;
  }
  const [head = '', tail] = a.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  groups.forEach((g, i) => {
    out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  });
  return out;
}

/**
 * The PROXY protocol header (haproxy's proxy-protocol.txt) a tcp:// origin with
 * `originRequest.proxyProtocol` gets before the visitor's bytes: `source` is the visitor (the
 * edge's Cf-Connecting-IP), `destination` the origin address the connector dialled. An unknown
 * source gives v1's `UNKNOWN` and v2's LOCAL command, which tell the origin to use the
 * connection's own addresses.
 */
export function proxyProtocolHeader(version: 'v1' | 'v2', source: Endpoint | undefined, destination: Endpoint): Buffer {
  const fs = source === undefined ? 0 : isIP(source.address);
  const fd = isIP(destination.address);
  if (source === undefined || fs === 0 || fd === 0) {
    if (version === 'v1') return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
    return Buffer.concat([PROXY_V2_SIGNATURE, Buffer.from([0x20, 0x00, 0x00, 0x00])]);
  }
  const six = fs === 6 || fd === 6;
  const src = six ? asV6(source.address) : source.address;
  const dst = six ? asV6(destination.address) : destination.address;
  if (version === 'v1') {
    return Buffer.from(`PROXY ${six ? 'TCP6' : 'TCP4'} ${src} ${dst} ${source.port} ${destination.port}\r\n`, 'latin1');
  }
  const addresses = six
    ? Buffer.concat([v6Bytes(src), v6Bytes(dst), Buffer.alloc(4)])
    : Buffer.concat([
        Buffer.from(src.split('.').map(Number)),
        Buffer.from(dst.split('.').map(Number)),
        Buffer.alloc(4),
      ]);
  addresses.writeUInt16BE(source.port, addresses.length - 4);
  addresses.writeUInt16BE(destination.port, addresses.length - 2);
  const head = Buffer.from([0x21, six ? 0x21 : 0x11, 0, 0]);
  head.writeUInt16BE(addresses.length, 2);
  return Buffer.concat([PROXY_V2_SIGNATURE, head, addresses]);
}
