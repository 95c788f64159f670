import { ConfigError, loadConfig } from '../config/index.ts';
import { createLogger, silentLogger } from '../observe/logger.ts';
import { planJson, planText } from '../tools/plan/format-plan.ts';
import { PLAN_ENV_VARIABLES, parsePlanArgs } from '../tools/plan/plan-options.ts';
import { describePoolState } from '../tools/plan/plan-result.ts';
import { runPlan } from '../tools/plan/run-plan.ts';

/**
 * `vpc-ipamd plan`: what ENIs, IPs and prefixes a node settles at for given settings and pods.
 * It runs the real pool manager against a simulated region on simulated time (src/tools/plan).
 */

const HELP = `usage: vpc-ipamd plan --instance-type T [--pods N] [options]

Answers "what does a node hold for these settings and this many pods?": starts the real ipamd
pool manager in this process against a simulated EC2 region on simulated time, from an empty
node, lets the pool settle, then adds the pods one at a time and lets it settle after each
(every timer-gated rule — 60 s ENI lifetime, 30 s decrease interval, 60 s reconcile — gets its
chance). Prints ENIs, IPs, prefixes, IPs and prefixes per ENI (device order), unused IPs and
pods that got no address. Takes a few seconds; nothing on this machine or in AWS is touched.

options:
  --instance-type T        EC2 instance type (required; any type in the limits table)
  --pods N                 pods to add one by one (default 0: the empty node)
  --warm-eni-target N      WARM_ENI_TARGET
  --warm-ip-target N       WARM_IP_TARGET
  --minimum-ip-target N    MINIMUM_IP_TARGET
  --warm-prefix-target N   WARM_PREFIX_TARGET
  --prefix-delegation      ENABLE_PREFIX_DELEGATION=true (--no-prefix-delegation: false)
  --max-eni N              MAX_ENI
  --max-pods N             the node's max pods; growth stops once the pool holds this many
                           addresses. Default: the max-pods calculator's value, as the daemon
                           uses without a Kubernetes API: ENIs × (IPv4 − 1) + 2
                           (eni-max-pods.txt); with prefixes × 16 per slot, capped at 110
                           (≤ 30 vCPUs) or 250. The daemon reads kubelet's value from the
                           Node object (status.capacity.pods) when it can, so pass your
                           kubelet's --max-pods here if you set one.
  --mode reactive|interval WARM_POOL_MODE (interval = the reference's 5 s loop exactly)
  --json                   print one JSON object: {"enis","ips","prefixes","ipsPerEni",
                           "prefixesPerEni","unusedIps","failedPods"}, plus "unsettled" (the
                           states the pool cycles through) only when it never settles
  --verbose                the daemon's log and one line per pod on stderr
  -h, --help               this text

environment: read as the daemon reads them, flags override them, all others are ignored:
${wrap(PLAN_ENV_VARIABLES.join(', '), 94, '  ')}

exit codes: 0 planned, 1 bad arguments, bad settings or a failure.
`;

function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(indent + line);
  return lines.join('\n');
}

export async function run(args: string[]): Promise<number> {
  const parsed = parsePlanArgs(args, process.env);
  if (!parsed.ok) {
    process.stderr.write(`vpc-ipamd plan: ${parsed.error}\n(see vpc-ipamd plan --help)\n`);
    return 1;
  }
  if ('help' in parsed) {
    process.stdout.write(HELP);
    return 0;
  }
  const { options } = parsed;
  let config: ReturnType<typeof loadConfig>['config'];
  try {
    // Validate the settings before starting anything, so a contradiction is one clear message.
    ({ config } = loadConfig(options.env));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`vpc-ipamd plan: ${error.problems.length} configuration problem(s):\n`);
    for (const problem of error.problems) process.stderr.write(`  - ${problem}\n`);
    return 1;
  }
  const logger = options.verbose
    ? createLogger({ level: 'info', file: 'stderr', sync: true })
    : silentLogger();
  try {
    const outcome = await runPlan({
      instanceType: options.instanceType,
      pods: options.pods,
      env: options.env,
      logger,
      ...(options.maxPods !== undefined ? { maxPods: options.maxPods } : {}),
      ...(options.verbose
        ? {
            onStep: (step) =>
              process.stderr.write(
                `plan: t=+${step.elapsedSeconds}s pods=${step.pods} ${describePoolState(step.result)}, ${step.result.unusedIps} unused${step.settled ? '' : ' (never settles)'}${step.failedPods > 0 ? `, ${step.failedPods} pods without an IP` : ''}\n`,
              ),
          }
        : {}),
    });
    for (const warning of outcome.warnings) {
      process.stderr.write(`vpc-ipamd plan: warning: ${warning.message}\n`);
    }
    process.stdout.write(
      options.json
        ? `${planJson(outcome)}\n`
        : planText(outcome, {
            instanceType: options.instanceType,
            pods: options.pods,
            config,
            maxPodsGiven: options.maxPods !== undefined,
          }),
    );
    return 0;
  } catch (error) {
    process.stderr.write(`vpc-ipamd plan: failed: ${(error as Error).message}\n`);
    return 1;
  }
}
