import type { MuxStream, RequestHead } from '../protocol/index.js';
import { answerLocally } from './local-answer.js';
import type { OriginContext, OriginHandler } from './origin-handler.js';

/** `http_status:NNN`: every request gets that status with an empty body, no origin involved. */
export class StatusOrigin implements OriginHandler {
  readonly status: number;
  readonly #context: OriginContext;

  constructor(status: number, context: OriginContext) {
    this.status = status;
    this.#context = context;
  }

  serve(stream: MuxStream, head: RequestHead): void {
    answerLocally(stream, head, this.status, '', this.#context.metrics);
  }
}
