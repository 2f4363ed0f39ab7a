import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, LOOPBACK, waitForOk, waitForPort } from '../lib/net.js';
import { run, spawnChild } from '../lib/proc.js';
import type { Peer } from './peer.js';

const SSHD = '/usr/sbin/sshd';
let version = 'OpenSSH';

/**
 * `ssh -R`: Debian's sshd on a loopback high port with its own config and throwaway keys (ed25519),
 * and the ssh client forwarding a port on the server side to the origin. Default ciphers.
 */
export const ssh: Peer = {
  name: 'ssh -R',
  describe: () => `${version} (Debian) sshd + ssh -R, throwaway ed25519 keys, default cipher, on loopback`,
  async unavailable() {
    if (!existsSync(SSHD)) return `${SSHD} is missing (apt-get install openssh-server failed?)`;
    const v = await run('ssh', ['-V'], 10_000);
    if (v.code !== 0) return 'the ssh client is missing (apt-get install openssh-client failed?)';
    version = /OpenSSH_[\w.]+/.exec(v.out)?.[0] ?? 'OpenSSH';
    if (process.getuid?.() !== 0) return 'sshd needs root here (privilege separation); run the bench as root';
    return undefined;
  },
  async start(ctx) {
    const dir = join(ctx.tmp, 'ssh');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege separation directory
    for (const k of ['host_key', 'client_key']) {
      const r = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, k)], 20_000);
      if (r.code !== 0) throw new Error(`ssh-keygen failed: ${r.out}`);
    }
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')), { mode: 0o600 });
    const sshPort = await freePort();
    const conf = join(dir, 'sshd_config');
    writeFileSync(
      conf,
      [
        `Port ${sshPort}`,
        `ListenAddress ${LOOPBACK}`,
        `HostKey ${join(dir, 'host_key')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'AllowTcpForwarding yes',
        'GatewayPorts no',
        'X11Forwarding no',
        'PrintMotd no',
        'LogLevel ERROR',
        '',
      ].join('\n'),
    );
    const sshd = spawnChild('sshd', SSHD, ['-D', '-e', '-f', conf]);
    let client: ReturnType<typeof spawnChild> | undefined;
    try {
      await waitForPort(sshPort, 15_000, 'sshd');
      const remotePort = await freePort();
      client = spawnChild('ssh', 'ssh', [
        '-N',
        '-T',
        '-i',
        join(dir, 'client_key'),
        '-p',
        String(sshPort),
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
        '-o',
        'ExitOnForwardFailure=yes',
        '-o',
        'ServerAliveInterval=30',
        '-R',
        `${LOOPBACK}:${remotePort}:${LOOPBACK}:${ctx.originPort}`,
        `root@${LOOPBACK}`,
      ]);
      const target = { base: `http://${LOOPBACK}:${remotePort}`, host: undefined };
      await waitForOk(target, '/', 'Hello', 20_000);
      const c = client;
      return {
        target,
        // sshd's per-connection children are its descendants; treeMemory adds them.
        pids: () => [sshd.pid, c.pid],
        roles: { sshd: sshd.pid, ssh: c.pid },
        extra: {},
        stop: async () => {
          await c.stop();
          await sshd.stop();
        },
      };
    } catch (err) {
      const out = `${sshd.output()}\n${client?.output() ?? ''}`;
      await client?.stop();
      await sshd.stop();
      throw new Error(`${(err as Error).message}\n${out}`);
    }
  },
};
