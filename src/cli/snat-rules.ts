import { ConfigError, loadConfig } from '../config/index.ts';
import type { Environment } from '../config/types.ts';
import { type CommandRunner, execFileRunner } from '../host/command-runner.ts';
import { detectIptablesFrontend } from '../host/snat/iptables-frontend.ts';
import { formatRuleSet } from '../host/snat/iptables-save.ts';
import { renderSnatRules } from '../host/snat/render-snat-rules.ts';
import { SnatApplier } from '../host/snat/snat-applier.ts';
import { parseIpv4 } from '../ipam/cidr.ts';
import { parseFlags } from '../tools/flags.ts';

/**
 * `vpc-ipamd snat-rules`: the SNAT / connmark / node-port iptables rules the daemon would keep
 * for the current environment, printed in iptables-save format, or with --apply reconciled in
 * the current network namespace (printing only what changed).
 */

const HELP = `usage: vpc-ipamd snat-rules --vpc-cidrs CIDR[,CIDR...] --primary-ip IP --primary-if NAME
                            [--apply] [--iptables COMMAND]

Prints the rules of our chains (AWS-SNAT-CHAIN-0, AWS-CONNMARK-CHAIN-0) and our rules in nat and
mangle PREROUTING/POSTROUTING in iptables-save format, as a fresh node ends up with them.
Settings come from the same environment as the daemon: AWS_VPC_K8S_CNI_EXTERNALSNAT,
AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS, AWS_VPC_K8S_CNI_RANDOMIZESNAT, AWS_VPC_CNI_NODE_PORT_SUPPORT,
AWS_VPC_K8S_CNI_CONNMARK, AWS_VPC_K8S_CNI_VETHPREFIX.

  --vpc-cidrs     the VPC's IPv4 CIDR blocks, comma-separated
  --primary-ip    primary private IPv4 of the primary ENI (the SNAT source)
  --primary-if    name of the primary ENI's link (e.g. eth0)
  --apply         reconcile this network namespace and print what changed (nothing when
                  already converged); also removes the reference's legacy chains and its
                  nftables table ip aws-cni
  --iptables      iptables command to use: iptables (default), iptables-nft, iptables-legacy
`;

export interface SnatRulesIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Environment;
  readonly runner: CommandRunner;
}

const processIo = (): SnatRulesIo => ({
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  runner: execFileRunner(),
});

export async function run(args: string[], io: SnatRulesIo = processIo()): Promise<number> {
  const parsed = parseFlags(args, {
    'vpc-cidrs': 'string',
    'primary-ip': 'string',
    'primary-if': 'string',
    apply: 'boolean',
    iptables: 'string',
    help: 'boolean',
  });
  if (!parsed.ok) {
    io.stderr(`vpc-ipamd snat-rules: ${parsed.error}\n${HELP}`);
    return 1;
  }
  const { flags } = parsed;
  if (flags.help) {
    io.stdout(HELP);
    return 0;
  }
  const vpcCidrs = (flags['vpc-cidrs'] ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  const primaryIp = flags['primary-ip'] ?? '';
  const primaryInterface = flags['primary-if'] ?? '';
  const problems = [
    ...(vpcCidrs.length === 0 ? ['--vpc-cidrs is required'] : []),
    ...(parseIpv4(primaryIp) === undefined ? ['--primary-ip must be an IPv4 address'] : []),
    ...(primaryInterface === '' ? ['--primary-if is required'] : []),
    ...(parsed.positional.length > 0 ? [`unexpected argument ${parsed.positional[0]}`] : []),
  ];
  if (problems.length > 0) {
    io.stderr(`vpc-ipamd snat-rules: ${problems.join('; ')}\n${HELP}`);
    return 1;
  }

  let config: ReturnType<typeof loadConfig>['config'];
  try {
    const loaded = loadConfig(io.env);
    for (const w of loaded.warnings) io.stderr(`warning: ${w.variable}=${w.value}: ${w.message}\n`);
    config = loaded.config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr(`vpc-ipamd snat-rules: ${error.message}\n`);
    return 1;
  }
  if (config.enableIPv6) {
    io.stderr('IPv6 cluster: the node keeps no SNAT or connmark rules.\n');
    return 0;
  }

  const command = flags.iptables ?? 'iptables';
  let randomFully = true;
  try {
    randomFully = (await detectIptablesFrontend(io.runner, command)).randomFully;
  } catch (error) {
    if (flags.apply) {
      io.stderr(`vpc-ipamd snat-rules: cannot run ${command}: ${String(error)}\n`);
      return 1;
    }
    io.stderr(
      `note: ${command} not usable here (${String(error)}); assuming SNAT --random-fully is supported\n`,
    );
  }
  let desired: ReturnType<typeof renderSnatRules>;
  try {
    desired = renderSnatRules({
      config,
      vpcCidrs,
      primaryInterface,
      primaryIp,
      capabilities: { randomFully },
    });
  } catch (error) {
    io.stderr(`vpc-ipamd snat-rules: ${(error as Error).message}\n`);
    return 1;
  }
  for (const w of desired.warnings) io.stderr(`warning: ${w}\n`);

  if (!flags.apply) {
    io.stdout(formatRuleSet(desired));
    return 0;
  }
  const result = await new SnatApplier({ runner: io.runner, iptables: command }).apply(desired);
  for (const restore of result.restores) io.stdout(restore.script);
  if (result.removedNftTable) io.stdout('nft delete table ip aws-cni\n');
  return 0;
}
