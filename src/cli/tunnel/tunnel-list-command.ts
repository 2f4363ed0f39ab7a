import { stringify } from 'yaml';
import type { ConnectorView, TunnelView } from '../../control/tunnels/tunnel-view.js';
import { WarrenError } from '../../errors/index.js';
import { connectionsSummary, openSession, table } from './tunnel-manage-command.js';

/** `-o json|yaml`: the API's view, as cloudflared prints it. */
export function printStructured(value: unknown, format: string): void {
  process.stdout.write(format === 'yaml' ? stringify(value) : `${JSON.stringify(value, null, 2)}\n`);
}

export const LIST_SORT_KEYS = ['name', 'id', 'createdAt', 'deletedAt', 'numConnections'] as const;
export const INFO_SORT_KEYS = ['id', 'createdAt', 'numConnections', 'version'] as const;

const compare = (a: string | number, b: string | number): number =>
  typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));

function sortBy<T>(items: T[], key: (t: T) => string | number, invert: boolean): T[] {
  return items.sort((x, y) => compare(key(x), key(y)) * (invert ? -1 : 1));
}

/** `--when` as ISO time: RFC 3339 as cloudflared takes it; the message says what to write. */
function whenOf(when: string | undefined): string | undefined {
  if (when === undefined) return undefined;
  const t = Date.parse(when);
  if (Number.isNaN(t)) {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `--when "${when}" is not a time: write RFC 3339, e.g. 2024-01-31T12:00:00Z`,
    );
  }
  return new Date(t).toISOString();
}

export interface ListOptions {
  origincert: string | undefined;
  output: string | undefined;
  name: string | undefined;
  id: string | undefined;
  namePrefix: string | undefined;
  excludeNamePrefix: string | undefined;
  when: string | undefined;
  showDeleted: boolean;
  sortBy: (typeof LIST_SORT_KEYS)[number];
  invertSort: boolean;
  maxFetchSize: number | undefined;
}

/** `tunnel list`: filtered by the API (name, prefix, existed at), sorted here as cloudflared does. */
export async function listTunnels(o: ListOptions): Promise<void> {
  const existedAt = whenOf(o.when);
  const s = await openSession(o.origincert);
  const tunnels = await s.api.listTunnels({
    name: o.name,
    id: o.id,
    namePrefix: o.namePrefix,
    excludePrefix: o.excludeNamePrefix,
    // cloudflared lists what exists now (or at --when); --show-deleted lifts both.
    existedAt: o.showDeleted ? undefined : existedAt,
    isDeleted: o.showDeleted || existedAt !== undefined ? undefined : false,
    perPage: o.maxFetchSize,
  });
  const key: Record<ListOptions['sortBy'], (t: TunnelView) => string | number> = {
    name: (t) => t.name,
    id: (t) => t.id,
    createdAt: (t) => t.created_at,
    deletedAt: (t) => t.deleted_at ?? '',
    numConnections: (t) => t.connections.length,
  };
  sortBy(tunnels, key[o.sortBy], o.invertSort);
  if (o.output === 'json' || o.output === 'yaml') {
    printStructured(tunnels, o.output);
    return;
  }
  if (tunnels.length === 0) {
    process.stdout.write(
      'No tunnels were found for the given filter flags. Create one with `warren tunnel create NAME`.\n',
    );
    return;
  }
  const rows = [
    o.showDeleted ? ['ID', 'NAME', 'CREATED', 'DELETED', 'CONNECTIONS'] : ['ID', 'NAME', 'CREATED', 'CONNECTIONS'],
    ...tunnels.map((t) =>
      o.showDeleted
        ? [t.id, t.name, t.created_at, t.deleted_at ?? '', connectionsSummary(t.connections)]
        : [t.id, t.name, t.created_at, connectionsSummary(t.connections)],
    ),
  ];
  process.stdout.write(
    `You can obtain more detailed information for each tunnel with \`warren tunnel info <name/uuid>\`\n${table(rows)}\n`,
  );
}

/** `tunnel info T`: the tunnel and its connectors, sorted by --sort-by. */
export async function tunnelInfo(
  o: {
    origincert: string | undefined;
    output: string | undefined;
    sortBy: (typeof INFO_SORT_KEYS)[number];
    invertSort: boolean;
  },
  ref: string,
): Promise<void> {
  const s = await openSession(o.origincert);
  const t = await s.api.findTunnel(ref);
  const key: Record<(typeof INFO_SORT_KEYS)[number], (c: ConnectorView) => string | number> = {
    id: (c) => c.id,
    createdAt: (c) => c.run_at,
    numConnections: (c) => c.conns.length,
    version: (c) => c.version,
  };
  const connectors = sortBy(await s.api.connectors(t.id), key[o.sortBy], o.invertSort);
  if (o.output === 'json' || o.output === 'yaml') {
    printStructured(
      { id: t.id, name: t.name, created_at: t.created_at, status: t.status, conns: connectors },
      o.output,
    );
    return;
  }
  let out = `NAME:     ${t.name}\nID:       ${t.id}\nCREATED:  ${t.created_at}\nSTATUS:   ${t.status}\n\n`;
  if (connectors.length === 0) {
    out += 'This tunnel has no active connectors.\n';
  } else {
    out += `${table([
      ['CONNECTOR ID', 'CREATED', 'ARCHITECTURE', 'VERSION', 'ORIGIN IP', 'EDGE', 'TAGS'],
      ...connectors.map((c) => [
        c.id,
        c.run_at,
        c.arch,
        c.version,
        [...new Set(c.conns.map((x) => x.origin_ip))].join(', '),
        connectionsSummary(c.conns),
        // An older server sends no tags.
        Object.entries(c.tags ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      ]),
    ])}\n`;
  }
  process.stdout.write(out);
}
