import { ConfigError, loadConfig } from '../config/index.ts';
import { DEMO_ENV_VARIABLES, parseDemoArgs } from '../tools/demo/demo-options.ts';
import { runDemo } from '../tools/demo/run-demo.ts';

/**
 * `vpc-ipamd demo` (npm start): the daemon against a simulated AWS region, with a pod workload
 * and a live view. Needs no AWS account, no root and no Kubernetes.
 */

const HELP = `usage: vpc-ipamd demo [options]        (npm start)

Starts a simulated AWS region in this process (EC2 with realistic latencies: an ENI takes
seconds to attach; IMDS a few seconds behind EC2) with one instance, runs the real daemon
against it as a child process (vpc-ipamd run, clean environment, host networking off), and
sends it pods through its gRPC API the way kubelet and the CNI plugin would: ramp up in
bursts, hold, churn, scale down, and again, until Ctrl-C. One line shows, live: elapsed time,
workload phase, pods running/wanted, assigned/total IPs, ENIs, EC2 calls so far, failed ADDs,
and the median and maximum ADD latency. It prints the daemon's metrics and introspection URLs,
its log file and the simulator's state URL to look at meanwhile.

options:
  --instance-type T   the simulated instance (default m5.large)
  --pods N            pods at the top of each ramp (default: 3/4 of what the node's ENIs
                      hold, at most 20)
  --burst N           pods added at once while ramping (default pods/4)
  --duration S        stop by itself S seconds after the workload started
  --keep              keep the temp dir (daemon log, checkpoint) instead of removing it
  -h, --help          this text

The daemon's pool settings come from your environment, e.g.
  WARM_IP_TARGET=3 MINIMUM_IP_TARGET=5 npm start
  ENABLE_PREFIX_DELEGATION=true WARM_PREFIX_TARGET=1 npm start
  WARM_POOL_MODE=interval npm start        (the reference's 5 s loop, to compare)
passed through (nothing else is inherited):
  ${DEMO_ENV_VARIABLES.slice(0, 4).join(', ')},
  ${DEMO_ENV_VARIABLES.slice(4, 8).join(', ')},
  ${DEMO_ENV_VARIABLES.slice(8).join(', ')}.

Ctrl-C (or SIGTERM, SIGHUP) stops everything: the workload, the daemon (SIGINT, exit 0) and
the simulator; the temp dir is removed. A second Ctrl-C kills at once. Exit code 0, or 1 if
the daemon failed (its last log lines are printed and the temp dir is kept).
`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseDemoArgs(args, process.env);
  if (!parsed.ok) {
    process.stderr.write(`vpc-ipamd demo: ${parsed.error}\n(see vpc-ipamd demo --help)\n`);
    return 1;
  }
  if ('help' in parsed) {
    process.stdout.write(HELP);
    return 0;
  }
  const { options } = parsed;
  try {
    loadConfig({ ...options.daemonSettings, DISABLE_HOST_NETWORKING: 'true' });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`vpc-ipamd demo: ${error.problems.length} configuration problem(s):\n`);
    for (const problem of error.problems) process.stderr.write(`  - ${problem}\n`);
    return 1;
  }
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      controller.abort(signal);
      return;
    }
    // The exit handler in runDemo kills the daemon; the temp dir may be left behind.
    process.stderr.write(`\nvpc-ipamd demo: second ${signal}, exiting at once\n`);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The terminal went away: stop in order rather than die and leave the daemon behind.
  process.on('SIGHUP', onSignal);
  // A closed stdout (e.g. piped into head) is a request to stop, not a crash.
  const onOutputError = () => controller.abort('stdout closed');
  process.stdout.on('error', onOutputError);
  try {
    return await runDemo(
      options,
      { out: process.stdout, tty: process.stdout.isTTY === true, path: process.env.PATH ?? '' },
      controller.signal,
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.stdout.off('error', onOutputError);
  }
}
