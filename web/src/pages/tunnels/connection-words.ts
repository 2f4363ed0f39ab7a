import type { Connection } from '../../api';

/** "edge-a ×4, edge-b ×2": how many links land on each edge. */
export function connectionsPerEdge(conns: readonly Connection[]): string {
  if (conns.length === 0) return 'none';
  const per = new Map<string, number>();
  for (const c of conns) per.set(c.colo_name, (per.get(c.colo_name) ?? 0) + 1);
  return [...per].map(([edge, n]) => `${edge} ×${n}`).join(', ');
}

/** The distinct connector versions of a tunnel's links. */
export function connectorVersions(conns: readonly Connection[]): string {
  const v = [...new Set(conns.map((c) => c.client_version))].sort();
  return v.length === 0 ? '—' : v.join(', ');
}
