import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface DigResult {
  status: string;
  flags: string[];
  question: string[];
  answer: string[];
  authority: string[];
  additional: string[];
  /** The EDNS line (`; EDNS: version: 0, flags:; udp: 1232`), if any. */
  edns: string | undefined;
  raw: string;
}

function section(raw: string, title: string): string[] {
  const i = raw.indexOf(`;; ${title} SECTION:\n`);
  if (i < 0) return [];
  const rest = raw.slice(i).split('\n').slice(1);
  const end = rest.indexOf('');
  return (end < 0 ? rest : rest.slice(0, end)).map((l) => l.replace(/\s+/g, ' ').trim());
}

/**
 * `dig @127.0.0.1 -p PORT args…` (Debian's dnsutils, as the issue asks), one try, no
 * recursion asked, parsed into its sections (whitespace collapsed to one space).
 */
export async function dig(port: number, args: string[]): Promise<DigResult> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+norec', '+time=2', '+tries=1', ...args], {
    timeout: 10_000,
  });
  const status = /status: ([A-Z]+)/.exec(stdout)?.[1] ?? 'NONE';
  const flags = (/;; flags: ([a-z ]*);/.exec(stdout)?.[1] ?? '').split(' ').filter((f) => f !== '');
  return {
    status,
    flags,
    question: section(stdout, 'QUESTION').map((l) => l.replace(/^;/, '')),
    answer: section(stdout, 'ANSWER'),
    authority: section(stdout, 'AUTHORITY'),
    additional: section(stdout, 'ADDITIONAL'),
    edns: /; EDNS: [^\n]*/.exec(stdout)?.[0],
    raw: stdout,
  };
}
