import { Socket } from 'node:net';

/**
 * Where `MuxStream.pipeTo` delivers the peer's body: a node Writable (a socket, node's
 * ServerResponse), or anything with the same few members (the edge's visitor lane answers through
 * one, the connector's origin client writes a request body through one).
 */
export interface BodySink {
  readonly destroyed: boolean;
  readonly writableFinished: boolean;
  write(chunk: Buffer): boolean;
  end(): void;
  destroy(): void;
  cork(): void;
  uncork(): void;
  once(event: 'drain', listener: () => void): unknown;
  /** Bytes written and not yet handed to the kernel (node Writables have it). */
  readonly writableLength?: number;
  /** Writes go straight to a socket: with `writableLength` 0 the sink keeps nothing it was given. */
  readonly writesThrough?: boolean;
}

/** Whether the sink kept nothing of what it was given: a socket, or a sink writing straight to one, with nothing queued. */
export function letGo(sink: BodySink): boolean {
  return sink.writableLength === 0 && (sink.writesThrough === true || sink instanceof Socket);
}
