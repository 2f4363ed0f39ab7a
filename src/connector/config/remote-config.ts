import { Document, type Node } from 'yaml';
import { WarrenError } from '../../errors/index.js';
import { Ingress, IngressError } from '../ingress/index.js';
import { ConfigErrors, type ConfigProblem, withIngressProblems } from './config-errors.js';
import { REMOTE_CONFIG } from './config-sections.js';
import { YamlReader } from './yaml-reader.js';

/** How messages name a remotely-managed configuration (the API body's `config` key). */
const SOURCE = 'config';

/** A remotely-managed configuration, validated. */
export interface RemoteConfig {
  ingress: Ingress;
  /** Keys accepted with no effect in warren (`warp-routing`, cloudflared-only originRequest keys). */
  warnings: string[];
}

/**
 * Validates Cloudflare's `config` object (`{ingress: [{hostname?, path?, service, originRequest?}],
 * originRequest?, "warp-routing"?}`) with the very tables and rules that check config.yml, so the
 * API refuses every shape a connector would. Both the API (on PUT) and the connector (on a push)
 * call it. Shapes only: the files a configuration names (caPool, tlsClientCert/Key, `unix:`
 * sockets) are on the connector's host, read there by loadOriginFiles when it applies the version;
 * the control plane never opens them (a path like /dev/zero or a FIFO froze it). Unknown keys are errors here, not warnings: the API caller reads the answer at once.
 * Durations may be bare numbers of seconds, as Cloudflare's API sends them. Every problem is
 * found before it throws: a `ConfigErrors` whose `problems` name each place (`ingress[2].service`).
 *
 * @example parseRemoteConfig({ ingress: [{ hostname: 'app.example.com', service: 'http://localhost:3000' }, { service: 'http_status:404' }] })
 */
export function parseRemoteConfig(value: unknown): RemoteConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `${SOURCE}: must be an object; send {"ingress": [{"service": "http://localhost:8080"}]}`,
    );
  }
  // JSON is YAML: the object becomes a YAML tree (with no lines) that the config file's reader walks.
  const doc = new Document(value, { aliasDuplicateObjects: false });
  const reader = new YamlReader(SOURCE, { strictKeys: true, bareDurationSeconds: true });
  const config = reader.section(REMOTE_CONFIG, doc.contents as Node | null, { at: '', keys: '' });
  let problems: ConfigProblem[] = reader.problems;
  if (config.ingress === undefined && !problems.some((p) => p.at === 'ingress')) {
    problems.push({
      at: 'ingress',
      message: `${SOURCE}: has no ingress list; send "ingress" with at least a catch-all rule last, e.g. [{"service": "http_status:404"}]`,
      code: 'WARREN_INGRESS_INVALID',
    });
  }
  let ingress: Ingress | undefined;
  if (config.ingress !== undefined) {
    try {
      ingress = Ingress.validate(config.ingress, config.originRequest);
    } catch (err) {
      if (!(err instanceof IngressError)) throw err;
      problems = withIngressProblems(problems, err, (e) => `${SOURCE}: ${e.message}`);
    }
  }
  if (problems.length > 0 || ingress === undefined) throw ConfigErrors.of(problems, SOURCE);
  return { ingress, warnings: reader.warnings };
}
