// Byte-for-byte stream forwarding between endpoints, run inside a test's "node" network
// namespace: its loopback is not the test process's, but a Unix socket path is reachable from
// both. Arguments are `LISTEN=CONNECT` pairs, each side `tcp:HOST:PORT` or `unix:PATH`.
// Prints "ready" once every listener is bound; runs until killed.
import { rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';

function endpoint(spec) {
  if (spec.startsWith('unix:')) return { path: spec.slice('unix:'.length) };
  const match = /^tcp:([^:]+):(\d+)$/.exec(spec);
  if (!match) throw new Error(`forwarder: bad endpoint ${JSON.stringify(spec)}`);
  return { host: match[1], port: Number(match[2]) };
}

function forward(listenSpec, connectSpec) {
  const listen = endpoint(listenSpec);
  const target = endpoint(connectSpec);
  const server = createServer((inbound) => {
    const outbound = connect(target);
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
  });
  if (listen.path) rmSync(listen.path, { force: true });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    if (listen.path) server.listen(listen.path, resolve);
    else server.listen(listen.port, listen.host, resolve);
  });
}

const pairs = process.argv.slice(2).map((arg) => arg.split('='));
await Promise.all(pairs.map(([listen, target]) => forward(listen, target)));
process.stdout.write('ready\n');
