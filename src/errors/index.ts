export type { ErrorSpec } from './error-spec.js';
export { ERROR_TABLE, errorSpec, isWarrenErrorCode, type WarrenErrorCode } from './error-table.js';
export { renderErrorsDoc } from './errors-doc.js';
export { WarrenError, type WarrenErrorOptions } from './warren-error.js';
