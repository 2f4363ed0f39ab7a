import { type Command, InvalidArgumentError, Option } from 'commander';
import type { FlagValue } from '../../connector/config/index.js';
import { durationArg, intArg } from '../cli-options.js';
import { CLOUDFLARED_FLAGS, type CloudflaredFlag, warrenEnvOf } from './cloudflared-flags.js';

const collect = (v: string, prev: string[] | undefined): string[] => [
  ...(prev ?? []),
  // urfave/cli splits list values on commas, on the command line and in the environment alike.
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
];

/** Parsers of the implemented flags whose values have a shape. */
const PARSERS: Readonly<Record<string, (v: string) => unknown>> = {
  retries: intArg('--retries', 0, 1_000_000),
  'max-fetch-size': intArg('--max-fetch-size', 1, 1_000_000),
  'proxy-connect-timeout': durationArg('--proxy-connect-timeout'),
  'proxy-tls-timeout': durationArg('--proxy-tls-timeout'),
  'proxy-tcp-keepalive': durationArg('--proxy-tcp-keepalive'),
  'proxy-keepalive-timeout': durationArg('--proxy-keepalive-timeout'),
  'proxy-keepalive-connections': intArg('--proxy-keepalive-connections', 0, 100_000),
  tag: (v) => {
    for (const t of collect(v, [])) {
      if (!/^[^=\s]+=[^\n]*$/.test(t)) throw new InvalidArgumentError(`--tag "${t}" must be KEY=VALUE`);
    }
    return v;
  },
};

const CHOICES: Readonly<Record<string, readonly string[]>> = {
  'edge-ip-version': ['4', '6', 'auto'],
  'transport-loglevel': ['fatal', 'error', 'warn', 'info', 'debug', 'trace'],
};

/** cloudflared single-origin flags: on the command line they fill config.yml's keys of the same name. */
export const ORIGIN_FLAG_NAMES: readonly string[] = [
  'hello-world',
  'unix-socket',
  'no-tls-verify',
  'http-host-header',
  'origin-server-name',
  'origin-ca-pool',
  'proxy-connect-timeout',
  'proxy-tls-timeout',
  'proxy-tcp-keepalive',
  'proxy-keepalive-connections',
  'proxy-keepalive-timeout',
  'no-chunked-encoding',
];

function optionOf(f: CloudflaredFlag): Option {
  const o = new Option(
    f.value ? `--${f.name} <${f.repeatable === true ? 'values' : 'value'}>` : `--${f.name}`,
    f.use === 'implemented' ? f.help : `accepted for cloudflared; ${f.help}`,
  ).env(warrenEnvOf(f.name));
  if (f.use === 'ignored') o.hideHelp();
  const choices = CHOICES[f.name];
  if (choices !== undefined) o.choices(choices);
  const parse = PARSERS[f.name];
  if (f.name === 'tag') {
    o.argParser((v: string, prev: string[] | undefined) => collect(String(parse?.(v)), prev));
  } else if (f.repeatable === true) o.argParser(collect);
  else if (parse !== undefined) o.argParser(parse);
  return o;
}

/** Adds cloudflared's connector flags warren does not declare itself (see CLOUDFLARED_FLAGS). */
export function withCloudflaredOptions(cmd: Command, o: { run: boolean }): Command {
  const have = new Set(cmd.options.map((x) => x.long));
  for (const f of CLOUDFLARED_FLAGS) {
    if (f.only === 'run' && !o.run) continue;
    if (have.has(`--${f.name}`)) continue;
    cmd.addOption(optionOf(f));
  }
  return cmd;
}

/** The option declared for `--name` on cmd, if any. */
function optionNamed(cmd: Command, name: string): Option | undefined {
  return cmd.options.find((x) => x.long === `--${name}`);
}

function isSet(cmd: Command, o: Option): boolean {
  const source = cmd.getOptionValueSource(o.attributeName());
  return source === 'cli' || source === 'env';
}

/**
 * Flags given before a subcommand (`warren tunnel --loglevel debug run`) belong to `tunnel` in
 * commander; cloudflared lets them reach the subcommand. Copies each one set on an ancestor to the
 * subcommand when the subcommand declares it and was not given it itself.
 */
export function inheritAncestorFlags(cmd: Command): void {
  for (let parent = cmd.parent; parent !== null; parent = parent.parent) {
    for (const po of parent.options) {
      if (po.long === undefined || !isSet(parent, po)) continue;
      const own = cmd.options.find((x) => x.long === po.long);
      if (own === undefined) continue;
      const key = own.attributeName();
      if (cmd.getOptionValueSource(key) === 'cli') continue;
      cmd.setOptionValueWithSource(key, parent.getOptionValue(po.attributeName()), 'cli');
    }
  }
}

/** One line per cloudflared flag given that means nothing here (on the command or an ancestor). */
export function ignoredFlagLines(cmd: Command): string[] {
  const lines = new Map<string, string>();
  for (let c: Command | null = cmd; c !== null; c = c.parent) {
    for (const f of CLOUDFLARED_FLAGS) {
      if (f.use !== 'ignored' || lines.has(f.name)) continue;
      const o = optionNamed(c, f.name);
      if (o !== undefined && isSet(c, o)) lines.set(f.name, `warren: --${f.name} does not apply here: ${f.help}`);
    }
  }
  return [...lines.values()];
}

/** The single-origin flags set on the command line or in the environment, under config.yml's key names. */
export function originFlagsOf(cmd: Command): Record<string, FlagValue> {
  const out: Record<string, FlagValue> = {};
  for (const name of ORIGIN_FLAG_NAMES) {
    const o = optionNamed(cmd, name);
    if (o === undefined || !isSet(cmd, o)) continue;
    // `--no-tls-verify` is a commander negation (tlsVerify=false): given means the key is true.
    const v: unknown = o.negate ? true : cmd.getOptionValue(o.attributeName());
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[name] = v;
  }
  return out;
}
