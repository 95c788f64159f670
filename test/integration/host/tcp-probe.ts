import { type ChildProcess, execFile, spawn } from 'node:child_process';

/**
 * Real TCP between namespaces with Node itself: a server that answers every connection with the
 * peer address it sees, and a client that prints that answer. No netcat needed.
 */

const SERVER = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
net.createServer((s) => { s.on('error', () => {}); s.end(s.remoteAddress + '\\n'); })
  .listen(Number(port), host, () => console.log('ready'));
`;

const CLIENT = `
const net = require('node:net');
const [host, port, local] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port), ...(local ? { localAddress: local } : {}) });
let data = '';
s.setTimeout(4000, () => { console.error('timeout'); process.exit(2); });
s.on('data', (d) => { data += d; });
s.on('end', () => { process.stdout.write(data); process.exit(0); });
s.on('error', (e) => { console.error(e.message); process.exit(1); });
`;

export interface TcpServer {
  stop(): void;
}

/**
 * The command prefix that runs a program in `ns`: a name under /var/run/netns (`ip netns exec`),
 * or a path to a namespace file such as /proc/<pid>/ns/net (`nsenter --net`), for namespaces a
 * container runtime made and did not name.
 */
function inNetns(ns: string): string[] {
  return ns.startsWith('/') ? ['nsenter', `--net=${ns}`] : ['ip', 'netns', 'exec', ns];
}

export function startServer(ns: string, host: string, port: number): Promise<TcpServer> {
  const [command, ...prefix] = inNetns(ns);
  const child: ChildProcess = spawn(
    command!,
    [...prefix, process.execPath, '-e', SERVER, host, String(port)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`server in ${ns} did not start: ${err}`));
    }, 10_000);
    child.stderr?.on('data', (d) => {
      err += String(d);
    });
    child.stdout?.on('data', (d) => {
      if (String(d).includes('ready')) {
        clearTimeout(timer);
        resolve({ stop: () => child.kill() });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server in ${ns} exited with ${code}: ${err}`));
    });
  });
}

/** Connects from a namespace and returns the address the server saw as our source. */
export function connectFrom(
  ns: string,
  host: string,
  port: number,
  localAddress?: string,
): Promise<string> {
  const [command, ...prefix] = inNetns(ns);
  return new Promise((resolve, reject) => {
    execFile(
      command!,
      [
        ...prefix,
        process.execPath,
        '-e',
        CLIENT,
        host,
        String(port),
        ...(localAddress ? [localAddress] : []),
      ],
      { timeout: 10_000 },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(`connect from ${ns} to ${host}:${port} failed: ${stderr || error.message}`),
          );
        else resolve(stdout.trim());
      },
    );
  });
}
