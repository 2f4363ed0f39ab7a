export type { WarrenErrorCode, WarrenErrorOptions } from './warren-error.js';
export { ERROR_CODES, isWarrenErrorCode, WarrenError } from './warren-error.js';
