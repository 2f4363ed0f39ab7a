import type { TunnelCredentials } from '../../connector/index.js';
import { WarrenError } from '../../errors/index.js';
import { createTunnel, credentialsByRef, routeDns } from './tunnel-manage-command.js';

/**
 * `warren tunnel --name N --url U [--hostname H]` (cloudflared's ad hoc named tunnel): the tunnel
 * N, created with its credentials in ~/.warren when it does not exist yet, and H routed to it.
 */
export async function adhocNamedTunnel(o: {
  origincert: string | undefined;
  name: string;
  hostname: string | undefined;
  overwriteDns: boolean;
}): Promise<TunnelCredentials> {
  let credentials: TunnelCredentials;
  try {
    credentials = await credentialsByRef(o.name, o.origincert);
  } catch (err) {
    if (!(err instanceof WarrenError) || err.code !== 'WARREN_TUNNEL_NOT_FOUND') throw err;
    await createTunnel({ origincert: o.origincert, credentialsFile: undefined, output: undefined }, o.name);
    credentials = await credentialsByRef(o.name, o.origincert);
  }
  if (o.hostname !== undefined) {
    await routeDns({ origincert: o.origincert, overwriteDns: o.overwriteDns }, o.name, o.hostname);
  }
  return credentials;
}
