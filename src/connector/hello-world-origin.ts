import type { MuxStream, RequestHead } from '../protocol/index.js';
import type { HelloWorldOrigin } from './hello-world.js';
import { HttpOrigin, type HttpOriginSettings } from './http-origin.js';
import { headerValue, Ingress, type IngressRule } from './ingress/index.js';
import type { OriginContext, OriginHandler } from './origin-handler.js';
import { OriginPool } from './origin-pool.js';

/**
 * The built-in hello_world server and a pool to it: one per origin proxy, shared by every
 * hello_world rule, started on first use. The server module is loaded only then: it brings the
 * `ws` package, which most connectors never need.
 */
export class HelloWorldServer {
  #hello: Promise<HelloWorldOrigin> | undefined;
  #pool: OriginPool | undefined;

  /** The pool once the server listens; undefined before. */
  get pool(): OriginPool | undefined {
    return this.#pool;
  }

  start(): Promise<OriginPool> {
    this.#hello ??= import('./hello-world.js').then((m) => new m.HelloWorldOrigin());
    return this.#hello
      .then((hello) => hello.start())
      .then((port) => {
        if (this.#pool === undefined) {
          const rule = Ingress.fromUrl(`http://127.0.0.1:${port}`).rules[0] as IngressRule;
          this.#pool = new OriginPool({ tls: false, host: '127.0.0.1', port, socketPath: undefined }, rule);
        }
        return this.#pool;
      });
  }

  close(): void {
    this.#pool?.destroy();
    void this.#hello?.then((hello) => hello.close());
  }
}

/** `hello_world`: requests go, with the rule's settings, to the built-in server. */
export class HelloWorldOriginHandler implements OriginHandler {
  readonly #server: HelloWorldServer;
  readonly #settings: HttpOriginSettings;
  readonly #context: OriginContext;
  #http: HttpOrigin | undefined;

  constructor(server: HelloWorldServer, settings: HttpOriginSettings, context: OriginContext) {
    this.#server = server;
    this.#settings = settings;
    this.#context = context;
    void server.start().catch(() => {});
  }

  serve(stream: MuxStream, head: RequestHead): void {
    const http = this.#http ?? this.#ready();
    if (http !== undefined) {
      http.serve(stream, head);
      return;
    }
    this.#server.start().then(
      () => {
        if (!stream.closed) this.#ready()?.serve(stream, head);
      },
      (err: Error) => {
        const message = `the hello_world origin did not start: ${err.message}`;
        this.#context.logger?.error(
          { rayId: headerValue(head.headers, 'cf-ray'), code: 'WARREN_ORIGIN_UNREACHABLE' },
          message,
        );
        stream.reset('WARREN_ORIGIN_UNREACHABLE', message);
      },
    );
  }

  #ready(): HttpOrigin | undefined {
    const pool = this.#server.pool;
    if (pool !== undefined) this.#http = new HttpOrigin(pool, this.#settings, this.#context);
    return this.#http;
  }
}
