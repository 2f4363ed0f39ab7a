import type { TunnelPortLimits } from './tunnel-admission.js';

// The tunnel port's defaults, apart from the listener so the CLI's flag definitions load no edge code.

export const HANDSHAKE_TIMEOUT_MS = 10_000; // 10 seconds from TCP accept to a registered link
/**
 * Unregistered connections, all sources together. Each holds a file descriptor and a TLS
 * session for at most HANDSHAKE_TIMEOUT_MS; a real connector needs one for milliseconds.
 */
export const DEFAULT_MAX_PENDING_HANDSHAKES = 1024;
/**
 * Unregistered connections from one source (IPv4 address or IPv6 /64): 16 connectors of 4 links
 * handshaking at the same moment behind one NAT. More wait for their backoff; registered links do
 * not count, so a fleet of any size behind one address gets in, 64 handshakes at a time.
 */
export const DEFAULT_MAX_PENDING_HANDSHAKES_PER_SOURCE = 64;
/** Registered links of one tunnel on one edge process: cloudflared's 25 replicas per tunnel × 4 connections. */
export const DEFAULT_MAX_LINKS_PER_TUNNEL = 100;
/** Registered quick-tunnel links from one source (no account answers for them): 64 quick tunnels × 4. */
export const DEFAULT_MAX_QUICK_LINKS_PER_SOURCE = 256;
/** Registered quick-tunnel links on one edge process, all sources: 1024 quick tunnels × 4. */
export const DEFAULT_MAX_QUICK_LINKS = 4096;

export const DEFAULT_TUNNEL_PORT_LIMITS: TunnelPortLimits = {
  handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
  maxPendingHandshakes: DEFAULT_MAX_PENDING_HANDSHAKES,
  maxPendingHandshakesPerSource: DEFAULT_MAX_PENDING_HANDSHAKES_PER_SOURCE,
  maxLinksPerTunnel: DEFAULT_MAX_LINKS_PER_TUNNEL,
  maxQuickLinksPerSource: DEFAULT_MAX_QUICK_LINKS_PER_SOURCE,
  maxQuickLinks: DEFAULT_MAX_QUICK_LINKS,
};
