/**
 * One of the scale run's connector processes (forked with IPC by bench/scale.ts): on `go`, starts
 * `tunnels` quick tunnels with the real `Connector` class, `ha` links each, and reports when every link
 * of every tunnel is registered; on `stop`, shuts them down and exits.
 */
import { pino } from 'pino';
import { Connector, OriginProxy } from '../src/connector/index.js';
import { Ingress } from '../src/connector/ingress/index.js';

export interface ScaleWorkerSpec {
  edgePort: number;
  ca: string;
  originPort: number;
  tunnels: number;
  ha: number;
}

export type ScaleWorkerMessage =
  | { type: 'loaded' }
  | { type: 'registered'; hostnames: string[]; retries: number; lastWarning: string }
  | { type: 'failed'; error: string };

const spec = JSON.parse(process.argv[2] ?? '{}') as ScaleWorkerSpec;
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

// One catch-all rule with cloudflared's defaults, as `warren tunnel --url` builds it.
const origin = new OriginProxy({ ingress: Ingress.fromUrl(`http://127.0.0.1:${spec.originPort}`) });
const connectors: Connector[] = [];

function go(): void {
  const hostnames: string[] = new Array(spec.tunnels).fill('');
  let complete = 0;
  for (let t = 0; t < spec.tunnels; t++) {
    const seen = new Set<number>();
    const c = new Connector({
      edge: { host: '127.0.0.1', port: spec.edgePort },
      ca: spec.ca,
      credentials: undefined,
      haConnections: spec.ha,
      handle: (stream, head) => origin.handle(stream, head),
      logger,
      onRegistered: (reg, index) => {
        if (reg.url !== undefined) hostnames[t] = new URL(reg.url).hostname;
        if (seen.has(index)) return;
        seen.add(index);
        if (seen.size === spec.ha && ++complete === spec.tunnels) {
          send({ type: 'registered', hostnames, retries, lastWarning });
        }
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
    origin.close();
    process.exit(0);
  });
}

process.on('message', (m: unknown) => {
  if (m === 'go') go();
  if (m === 'stop') stop();
});
process.on('SIGTERM', stop);
process.on('disconnect', stop);
send({ type: 'loaded' });
