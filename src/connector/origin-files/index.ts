export { type LoadOriginFilesOptions, loadOriginFiles } from './load-origin-files.js';
export { MAX_ORIGIN_FILE_BYTES, type OriginFileRef, readOriginFile } from './read-origin-file.js';
