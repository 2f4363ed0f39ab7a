import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/** A Python origin on loopback, in its own process. */
export interface PythonOrigin {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Waits for the line a Python server prints once it listens, and returns the port in it
 * (bounded: the process exiting or `timeoutMs` passing fails the start).
 */
async function portOf(child: ChildProcess, re: RegExp, timeoutMs: number): Promise<number> {
  let out = '';
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`python origin did not start within ${timeoutMs} ms: ${out}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
      const m = re.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`python origin exited (${code}) before listening: ${out}`));
    });
  });
}

function handle(child: ChildProcess, port: number): PythonOrigin {
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `python3 -m http.server` serving `dir` on 127.0.0.1 (a real file server an origin may run). */
export async function startPythonHttpServer(dir: string): Promise<PythonOrigin> {
  const child = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await portOf(child, /Serving HTTP on \S+ port (\d+)/, 15_000);
  return handle(child, port);
}

/**
 * A WSGI application under Python's `wsgiref` (the reference server) answering every request with
 * the `HTTP_*` variables of its environ as JSON: what a WSGI or CGI app reads as request headers.
 */
const WSGI_APP = `
import json, sys
from wsgiref.simple_server import make_server, WSGIRequestHandler

class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass

def app(environ, start_response):
    body = json.dumps({k: v for k, v in environ.items() if k.startswith('HTTP_')}).encode()
    start_response('200 OK', [('Content-Type', 'application/json'), ('Content-Length', str(len(body)))])
    return [body]

server = make_server('127.0.0.1', 0, app, handler_class=Quiet)
print('wsgi listening on port %d' % server.server_port, flush=True)
server.serve_forever()
`;

export async function startWsgiOrigin(): Promise<PythonOrigin> {
  const child = spawn('python3', ['-u', '-c', WSGI_APP], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await portOf(child, /wsgi listening on port (\d+)/, 15_000);
  return handle(child, port);
}
