import { STATUS_CODES } from 'node:http';

/** Cloudflare's own 5xx codes, which node's table does not know; visitors see them on warren's pages too. */
const NON_STANDARD: Readonly<Record<number, string>> = {
  520: 'Web Server Returned an Unknown Error',
  521: 'Web Server Is Down',
  522: 'Connection Timed Out',
  523: 'Origin Is Unreachable',
  524: 'A Timeout Occurred',
  525: 'SSL Handshake Failed',
  526: 'Invalid SSL Certificate',
  530: 'The Tunnel Is Not Connected',
};

/** Status classes' names (RFC 9110 §15) for codes nobody named: never "unknown", never another code's phrase. */
const CLASS_NAMES = ['Informational', 'Successful', 'Redirection', 'Client Error', 'Server Error'];

/**
 * The reason phrase of a status line. The wire protocol carries only the code, so a code an origin
 * made up gets its class's name.
 */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? NON_STANDARD[status] ?? CLASS_NAMES[Math.floor(status / 100) - 1] ?? 'Status';
}
