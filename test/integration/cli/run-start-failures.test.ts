import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DaemonProcess, type TestNode, withWorld } from '../daemon/harness.ts';

/**
 * `vpc-ipamd run` that cannot start exits: exit code 1 well within the budget below, one line on
 * stderr naming the cause, and every listener it had opened closed again. The listeners the test
 * watches are Unix sockets, because closing one removes its file while a process that merely
 * dies leaves the file behind: a file still there means the listener was never closed.
 */

/** Start-up to the failure plus the exit; a daemon that lingers fails here. */
const EXIT_BUDGET_MS = 15_000;

/** Runs `body` with a TCP port on 127.0.0.1 that this test is listening on. */
async function withPortInUse<T>(body: (port: number) => Promise<T>): Promise<T> {
  const server = await listening();
  try {
    return await body(portOf(server));
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago and that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = await listening();
  const port = portOf(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function listening(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** The daemon's stderr as lines, with the one line it must consist of checked. */
function oneLine(daemon: DaemonProcess): string {
  const lines = daemon.stderr.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

async function expectExit1(daemon: DaemonProcess): Promise<void> {
  expect(await daemon.waitForExit(EXIT_BUDGET_MS)).toEqual({ code: 1, signal: null });
}

/** Introspection and metrics on Unix sockets in the node's directory, so closing shows. */
function unixListeners(node: TestNode): { metrics: string; introspection: string } {
  return { metrics: join(node.dir, 'metrics.sock'), introspection: join(node.dir, 'intro.sock') };
}

describe.concurrent('vpc-ipamd run: a start-up that fails exits', () => {
  it('metrics address in use: exit 1 naming METRICS_BIND_ADDRESS, nothing left listening', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 't3.small' });
      const { introspection } = unixListeners(node);
      await withPortInUse(async (port) => {
        const daemon = node.spawn({
          METRICS_BIND_ADDRESS: `127.0.0.1:${port}`,
          INTROSPECTION_BIND_ADDRESS: `unix:${introspection}`,
        });
        await expectExit1(daemon);
        expect(oneLine(daemon)).toBe(
          `vpc-ipamd: failed to start: METRICS_BIND_ADDRESS="127.0.0.1:${port}": listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
        );
        const fatal = daemon.logLines().find((line) => line.level === 'fatal');
        expect(fatal?.msg).toBe('ipamd failed to start');
      });
      expect(existsSync(introspection)).toBe(false);
      expect(existsSync(node.socketPath)).toBe(false);
    });
  }, 60_000);

  it('introspection address in use: the metrics listener it had opened is closed', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 't3.small' });
      const { metrics } = unixListeners(node);
      await withPortInUse(async (port) => {
        const daemon = node.spawn({
          METRICS_BIND_ADDRESS: `unix:${metrics}`,
          INTROSPECTION_BIND_ADDRESS: `127.0.0.1:${port}`,
        });
        await expectExit1(daemon);
        expect(oneLine(daemon)).toBe(
          `vpc-ipamd: failed to start: INTROSPECTION_BIND_ADDRESS="127.0.0.1:${port}": listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
        );
        // It was listening (the log says where) and is closed again.
        expect(daemon.logText()).toContain('metrics listening');
      });
      expect(existsSync(metrics)).toBe(false);
      expect(existsSync(node.socketPath)).toBe(false);
    });
  }, 60_000);

  it('gRPC socket that cannot be created: metrics and introspection are closed again', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 't3.small' });
      const notADirectory = join(node.dir, 'plain-file');
      writeFileSync(notADirectory, '');
      const socket = join(notADirectory, 'ipamd.sock');
      const listeners = unixListeners(node);
      const daemon = node.spawn({
        IPAMD_GRPC_SOCKET: socket,
        METRICS_BIND_ADDRESS: `unix:${listeners.metrics}`,
        INTROSPECTION_BIND_ADDRESS: `unix:${listeners.introspection}`,
      });
      await expectExit1(daemon);
      expect(oneLine(daemon)).toMatch(
        `vpc-ipamd: failed to start: IPAMD_GRPC_SOCKET="${socket}": ENOTDIR: not a directory, `,
      );
      expect(daemon.logText()).toContain('introspection listening');
      expect(existsSync(listeners.metrics)).toBe(false);
      expect(existsSync(listeners.introspection)).toBe(false);
    });
  }, 60_000);

  it('unparseable metrics address: refused before EC2 is asked anything', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 't3.small' });
      const daemon = node.spawn({ METRICS_BIND_ADDRESS: 'localhost' });
      await expectExit1(daemon);
      expect(oneLine(daemon)).toBe(
        `vpc-ipamd: failed to start: METRICS_BIND_ADDRESS="localhost": listen address 'localhost' is not host:port, :port or unix:<path>`,
      );
      expect(world.calls('DescribeInstances')).toBe(0);
      expect(world.calls('DescribeNetworkInterfaces')).toBe(0);
    });
  }, 60_000);

  it('relative IPAMD_GRPC_SOCKET: refused by the configuration before anything starts', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 't3.small' });
      const daemon = node.spawn({ IPAMD_GRPC_SOCKET: 'ipamd.sock' });
      await expectExit1(daemon);
      expect(oneLine(daemon)).toBe(
        'vpc-ipamd: invalid configuration: IPAMD_GRPC_SOCKET="ipamd.sock" is a relative path; set an absolute path such as /var/run/aws-node/ipamd.sock',
      );
      expect(world.calls('DescribeInstances')).toBe(0);
      expect(world.calls('DescribeNetworkInterfaces')).toBe(0);
      // Nothing was logged either: the logger is not even opened.
      expect(daemon.logText()).toBe('');
    });
  }, 60_000);

  it('EC2 unreachable: exit 1 with a line naming EC2', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 't3.small' });
      const closed = await closedPort();
      const { metrics, introspection } = unixListeners(node);
      const daemon = node.spawn({
        AWS_EC2_ENDPOINT: `http://127.0.0.1:${closed}`,
        METRICS_BIND_ADDRESS: `unix:${metrics}`,
        INTROSPECTION_BIND_ADDRESS: `unix:${introspection}`,
      });
      await expectExit1(daemon);
      expect(oneLine(daemon)).toMatch(
        new RegExp(
          `^vpc-ipamd: failed to start: EC2 \\w+: .*ECONNREFUSED 127\\.0\\.0\\.1:${closed} \\(AWS_EC2_ENDPOINT=http://127\\.0\\.0\\.1:${closed}\\)$`,
        ),
      );
      expect(existsSync(metrics)).toBe(false);
      expect(existsSync(node.socketPath)).toBe(false);
    });
  }, 60_000);
});
