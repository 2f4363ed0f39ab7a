export { type ApiServerOptions, createApiServer } from './api-server.js';
