import { readFileSync } from 'node:fs';
import { arch, cpus, freemem, loadavg, version as osVersion, platform, release, totalmem, uptime } from 'node:os';
import { CONNECTOR_VERSION } from './config/connector-defaults.js';

/** What a bug report needs to know about the connector's machine; each fact is cheap to read. */
export interface SystemFacts {
  versions: { warren: string; node: string; os: string; platform: string; arch: string };
  cpu: { model: string; count: number; loadavg: number[] };
  memory: { totalBytes: number; freeBytes: number; processRssBytes: number; processHeapUsedBytes: number };
  uptime: { systemSeconds: number; processSeconds: number };
  /** `/proc/self/limits` (Linux), e.g. "Max open files": "1024 / 1048576 files"; {} elsewhere. */
  limits: Record<string, string>;
}

export function systemFacts(): SystemFacts {
  const c = cpus();
  const mem = process.memoryUsage();
  return {
    versions: {
      warren: CONNECTOR_VERSION,
      node: process.version,
      os: `${release()} ${osVersion()}`,
      platform: platform(),
      arch: arch(),
    },
    cpu: { model: c[0]?.model ?? 'unknown', count: c.length, loadavg: loadavg() },
    memory: {
      totalBytes: totalmem(),
      freeBytes: freemem(),
      processRssBytes: mem.rss,
      processHeapUsedBytes: mem.heapUsed,
    },
    uptime: { systemSeconds: Math.round(uptime()), processSeconds: Math.round(process.uptime()) },
    limits: processLimits(),
  };
}

function processLimits(): Record<string, string> {
  let text: string;
  try {
    text = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  // "Max open files            1024                 1048576              files"
  for (const line of text.split('\n').slice(1)) {
    const m = /^(.+?)\s{2,}(\S+)\s+(\S+)\s*(\S*)\s*$/.exec(line);
    if (m !== null) out[(m[1] as string).trim()] = `${m[2]} / ${m[3]}${m[4] ? ` ${m[4]}` : ''}`;
  }
  return out;
}
