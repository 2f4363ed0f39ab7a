export { pinnedChainProblem, spkiPin } from './edge-pin.js';
export {
  createEdgeCa,
  EDGE_PEER_SUBJECT,
  type EdgeCaPair,
  type EdgeTlsMaterial,
  type EdgeTlsOptions,
  issueEdgeLeaf,
  loadOrCreateEdgeTls,
  readEdgeCaFiles,
  writeEdgeCaFile,
} from './edge-tls.js';
export {
  DEFAULT_ORIGIN_CERT_VALIDITY,
  type IssuedCertificate,
  ORIGIN_CERT_VALIDITIES,
  OriginCa,
  type OriginCaMaterial,
  type OriginKeyType,
} from './origin-ca.js';
export {
  type ArgoTunnelToken,
  formatOriginCertBundle,
  type OriginCertBundle,
  parseOriginCertBundle,
} from './origin-cert-bundle.js';
export { defaultOriginCertPath, loadOriginCert, originCertPath, warrenHome } from './origin-cert-file.js';
export { type LeafFacts, leafFacts, type ServedCertificate, SniTable } from './sni-table.js';
