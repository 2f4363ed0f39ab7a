/** Most lines kept, and most bytes in all (about 1 MiB): a diag zip stays small and a noisy connector cannot grow it. */
export const LOG_RING_LINES = 2_000;
export const LOG_RING_BYTES = 1024 * 1024; // 1 MiB
/** A longer line is cut (with a marker): one huge line must not push out every other. */
export const LOG_RING_LINE_BYTES = 8 * 1024; // 8 KiB

/**
 * The connector's recent log lines in memory, for `warren tunnel diag` (through the metrics
 * server's local-only /diag/logs). Oldest lines go first once either bound is reached.
 */
export class LogRing {
  readonly #lines: string[] = [];
  #bytes = 0;
  readonly #maxLines: number;
  readonly #maxBytes: number;

  constructor(maxLines = LOG_RING_LINES, maxBytes = LOG_RING_BYTES) {
    this.#maxLines = maxLines;
    this.#maxBytes = maxBytes;
  }

  push(line: string): void {
    let l = line.endsWith('\n') ? line.slice(0, -1) : line;
    if (l.length > LOG_RING_LINE_BYTES) l = `${l.slice(0, LOG_RING_LINE_BYTES)}… [cut]`;
    this.#lines.push(l);
    this.#bytes += l.length + 1;
    while (this.#lines.length > this.#maxLines || (this.#bytes > this.#maxBytes && this.#lines.length > 1)) {
      const old = this.#lines.shift() ?? '';
      this.#bytes -= old.length + 1;
    }
  }

  /** The kept lines, oldest first, one per line. */
  text(): string {
    return this.#lines.length === 0 ? '' : `${this.#lines.join('\n')}\n`;
  }
}
