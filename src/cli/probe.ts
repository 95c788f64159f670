import { IpamdClient } from '../rpc/client.ts';
import { DEFAULT_SOCKET_PATH } from '../rpc/server.ts';
import { parseFlags } from '../tools/flags.ts';

/**
 * `vpc-ipamd probe`: a gRPC health check over ipamd's socket with grpc-health-probe's exit codes
 * (1 bad arguments, 2 connection failure, 3 RPC failure, 4 not serving), for liveness/readiness.
 */

const HELP = `usage: vpc-ipamd probe [--socket PATH] [--service NAME] [--connect-timeout SECONDS] [--rpc-timeout SECONDS]

Checks grpc.health.v1 over ipamd's Unix socket (default: $IPAMD_GRPC_SOCKET or ${DEFAULT_SOCKET_PATH}).
Exit codes: 0 serving, 1 bad arguments, 2 cannot connect, 3 RPC failed, 4 not serving.
`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseFlags(args, {
    socket: 'string',
    service: 'string',
    'connect-timeout': 'number',
    'rpc-timeout': 'number',
    help: 'boolean',
  });
  if (!parsed.ok) {
    process.stderr.write(`vpc-ipamd probe: ${parsed.error}\n${HELP}`);
    return 1;
  }
  if (parsed.flags.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const socket = parsed.flags.socket ?? process.env.IPAMD_GRPC_SOCKET ?? DEFAULT_SOCKET_PATH;
  const client = new IpamdClient(socket);
  try {
    try {
      await client.waitForReady((parsed.flags['connect-timeout'] ?? 5) * 1000);
    } catch (error) {
      process.stderr.write(
        `timeout: failed to connect service "unix://${socket}": ${String(error)}\n`,
      );
      return 2;
    }
    let status: string;
    try {
      ({ status } = await client.healthCheck(
        parsed.flags.service ?? '',
        (parsed.flags['rpc-timeout'] ?? 5) * 1000,
      ));
    } catch (error) {
      process.stderr.write(`error: health rpc failed: ${String(error)}\n`);
      return 3;
    }
    if (status !== 'SERVING') {
      process.stderr.write(`service unhealthy (responded with "${status}")\n`);
      return 4;
    }
    process.stdout.write('status: SERVING\n');
    return 0;
  } finally {
    client.close();
  }
}
