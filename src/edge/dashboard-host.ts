import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostOf } from './host-of.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The dashboard and API on the HTTPS port: requests for `host` (`dash.D`) go to `handler`. */
export interface DashboardHost {
  host: string;
  handler: Handler;
}

/**
 * HTTPS requests whose Host is the dashboard's name go to the control API's handler (UI at `/`,
 * API at `/client/v4`) instead of a tunnel; every other host goes on to `next`. The API sees a
 * TLS socket, so it sets `Secure` cookies.
 */
export function dashboardOnHttps(dashboard: DashboardHost, next: Handler): Handler {
  const host = dashboard.host.toLowerCase();
  return (req, res) => {
    if (hostOf(req.headers.host) === host) dashboard.handler(req, res);
    else next(req, res);
  };
}
