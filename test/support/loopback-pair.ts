import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type OnReadOpts, type Server, type Socket } from 'node:net';

export interface LoopbackPair {
  /** The socket that dialled. */
  dialled: Socket;
  /** The socket the listener accepted. */
  accepted: Socket;
  /** The listener: `server.close()` when done. */
  server: Server;
}

/** A real TCP connection on 127.0.0.1, both ends connected; `onread` is passed to the dialling side. */
export async function loopbackPair(onread?: OnReadOpts): Promise<LoopbackPair> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const port = (server.address() as AddressInfo).port;
  const dialled = connect(onread === undefined ? { port, host: '127.0.0.1' } : { port, host: '127.0.0.1', onread });
  const [[socket]] = await Promise.all([accepted, once(dialled, 'connect')]);
  return { dialled, accepted: socket, server };
}
