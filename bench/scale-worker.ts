/**
 * One of the scale run's connector processes (forked with IPC by bench/scale.ts): gets its spec
 * (the tunnel tokens it runs) as the first message, then on `go` runs one `Connector` per token
 * with the real class, `ha` links each, and reports when every link of every tunnel is
 * registered; on `stop`, shuts them down and exits.
 */
import { pino } from 'pino';
import { Connector, OriginProxy, parseTunnelToken } from '../src/connector/index.js';
import { Ingress } from '../src/connector/ingress/index.js';

export interface ScaleWorkerSpec {
  edgePort: number;
  ca: string;
  originPort: number;
  /** `warren tunnel token` of each named tunnel this process runs. */
  tokens: string[];
  ha: number;
}

export type ScaleWorkerMessage =
  | { type: 'loaded' }
  | { type: 'registered'; retries: number; lastWarning: string }
  | { type: 'failed'; error: string };

const send = (m: ScaleWorkerMessage): void => {
  process.send?.(m);
};

let retries = 0;
let lastWarning = '';
const logger = pino(
  { level: 'warn', base: undefined },
  {
    write(line: string) {
      retries++;
      lastWarning = line.slice(0, 300);
    },
  },
);

let spec: ScaleWorkerSpec | undefined;
let origin: OriginProxy | undefined;
const connectors: Connector[] = [];

function go(s: ScaleWorkerSpec, proxy: OriginProxy): void {
  let complete = 0;
  for (const token of s.tokens) {
    const seen = new Set<number>();
    const c = new Connector({
      edge: { host: '127.0.0.1', port: s.edgePort },
      ca: s.ca,
      credentials: parseTunnelToken(token),
      haConnections: s.ha,
      handle: (stream, head) => proxy.handle(stream, head),
      logger,
      onRegistered: (_reg, index) => {
        if (seen.has(index)) return;
        seen.add(index);
        if (seen.size === s.ha && ++complete === s.tokens.length) send({ type: 'registered', retries, lastWarning });
      },
    });
    connectors.push(c);
    c.run().catch((err: unknown) => send({ type: 'failed', error: String(err) }));
  }
}

let stopping = false;
/** Unregisters every tunnel and exits cleanly (which is also when --cpu-prof writes its profile). */
function stop(): void {
  if (stopping) return;
  stopping = true;
  Promise.all(connectors.map((c) => c.shutdown(0))).finally(() => {
    origin?.close();
    process.exit(0);
  });
}

process.on('message', (m: unknown) => {
  if (typeof m === 'object' && m !== null && 'spec' in m) {
    // The spec comes over IPC: a thousand tokens would not fit in one argv string (128 KiB).
    spec = (m as { spec: ScaleWorkerSpec }).spec;
    // One catch-all rule with cloudflared's defaults, as `warren tunnel --url` builds it.
    origin = new OriginProxy({ ingress: Ingress.fromUrl(`http://127.0.0.1:${spec.originPort}`) });
    send({ type: 'loaded' });
  }
  if (m === 'go' && spec !== undefined && origin !== undefined) go(spec, origin);
  if (m === 'stop') stop();
});
process.on('SIGTERM', stop);
process.on('disconnect', stop);
