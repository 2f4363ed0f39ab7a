export {
  type ClassicTunnelResult,
  ControlApiClient,
  type DnsRouteResult,
  type TunnelFilter,
} from './control-api-client.js';
