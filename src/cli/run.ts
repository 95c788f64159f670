import { ConfigError } from '../config/types.ts';
import { type RunningDaemon, runDaemon } from '../daemon/run-daemon.ts';

/**
 * `vpc-ipamd run`: the daemon (aws-node's aws-k8s-agent). Configuration comes from the
 * environment only, as in the DaemonSet. The first SIGTERM stops pool growth and ENI frees but
 * keeps serving pods until the pod is killed (the reference); a second SIGTERM, or SIGINT, stops
 * cleanly: servers closed, the checkpoint flushed, the socket removed, exit 0.
 */

const HELP = `usage: vpc-ipamd run

Runs ipamd. Every setting comes from the environment (the aws-node variables, e.g.
WARM_ENI_TARGET, ENABLE_PREFIX_DELEGATION, AWS_VPC_K8S_CNI_LOG_FILE), plus ours:
WARM_POOL_MODE, ADD_WAIT_SECONDS, IPAMD_GRPC_SOCKET, METRICS_BIND_ADDRESS,
DISABLE_HOST_NETWORKING, EC2_API_RATE_LIMITS (docs/compat.md).
`;

/**
 * How long the process may take to end by itself once it is done (the log's last lines reaching
 * the file) before it is ended: SDK keep-alive sockets or a pool pass still in flight (an ENI
 * attach wait, an EC2 retry loop: minutes of back-off at worst) must not keep it alive.
 */
const EXIT_GRACE_MS = 1_000;

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  if (args.length > 0) {
    process.stderr.write(`vpc-ipamd run: unexpected arguments ${args.join(' ')}\n${HELP}`);
    return 1;
  }
  let daemon: RunningDaemon;
  try {
    daemon = await runDaemon({ env: process.env });
  } catch (error) {
    process.stderr.write(startFailure(error));
    // runDaemon closed what it had opened and flushed its log.
    return exitSoon(1);
  }
  const code = await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      daemon.stop().then(
        () => resolve(0),
        (error: unknown) => {
          process.stderr.write(`vpc-ipamd: error while stopping: ${String(error)}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', () => {
      if (daemon.ipamd.isTerminating) stop();
      else daemon.terminate();
    });
  });
  // The checkpoint is on disk and the socket gone.
  return exitSoon(code);
}

/** One line per problem; a single cause (the usual case) is a single line. */
function startFailure(error: unknown): string {
  if (!(error instanceof ConfigError))
    return `vpc-ipamd: failed to start: ${(error as Error).message}\n`;
  const { problems } = error;
  if (problems.length === 1) return `vpc-ipamd: invalid configuration: ${problems[0]}\n`;
  const list = problems.map((problem) => `  - ${problem}\n`).join('');
  return `vpc-ipamd: ${problems.length} configuration problems:\n${list}`;
}

function exitSoon(code: number): number {
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  return code;
}
