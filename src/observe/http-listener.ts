import { chmodSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';

/**
 * Where an HTTP server listens: 'host:port', ':port' (all addresses) or 'unix:<path>'
 * (INTROSPECTION_BIND_ADDRESS accepts all three).
 */
export type ListenTarget =
  | { kind: 'tcp'; host: string | undefined; port: number }
  | { kind: 'unix'; path: string };

export function parseListenAddress(address: string): ListenTarget {
  if (address.startsWith('unix:')) {
    const path = address.slice('unix:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new Error(`listen address '${address}' has no socket path`);
    return { kind: 'unix', path };
  }
  const colon = address.lastIndexOf(':');
  const portText = colon >= 0 ? address.slice(colon + 1) : '';
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
    throw new Error(`listen address '${address}' is not host:port, :port or unix:<path>`);
  }
  const rawHost = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { kind: 'tcp', host: rawHost === '' ? undefined : rawHost, port: Number(portText) };
}

/** Starts listening; resolves with the bound address (the real port when 0 was asked). */
export function listen(server: Server, target: ListenTarget): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    const done = () => {
      server.off('error', onError);
      const bound = server.address();
      if (target.kind === 'unix') {
        // The socket is for local tools running as root; nobody else needs it.
        chmodSync(target.path, 0o660);
        resolve(`unix:${target.path}`);
      } else if (bound && typeof bound === 'object') {
        resolve(`${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`);
      } else {
        resolve(String(bound));
      }
    };
    if (target.kind === 'unix') {
      rmSync(target.path, { force: true });
      server.listen(target.path, done);
    } else {
      server.listen(target.port, target.host, done);
    }
  });
}

/** Closes a server and the connections it still holds. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
