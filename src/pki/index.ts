export { type EdgeTlsMaterial, type EdgeTlsOptions, loadOrCreateEdgeTls } from './edge-tls.js';
