/**
 * `vpc-ipamd` command dispatcher. Each sub-command lives in its own module and is loaded only
 * when asked for, so `vpc-ipamd probe` does not pay for the daemon's imports.
 */

interface Command {
  readonly summary: string;
  readonly load: () => Promise<{ run(args: string[]): Promise<number> }>;
}

const commands: Record<string, Command> = {
  run: {
    summary: 'run the ipamd daemon (configured from the environment, as aws-node)',
    load: () => import('./run.ts'),
  },
  demo: {
    summary: 'run the daemon against a simulated AWS region with a live view (npm start)',
    load: () => import('./demo.ts'),
  },
  plan: {
    summary: 'what ENIs/IPs/prefixes a node settles at for given settings and pods (simulated)',
    load: () => import('./plan.ts'),
  },
  probe: {
    summary: 'gRPC health check over the ipamd socket (grpc-health-probe exit codes)',
    load: () => import('./probe.ts'),
  },
  sim: {
    summary: 'serve a simulated AWS region (EC2 + IMDS) with one instance until interrupted',
    load: () => import('./sim.ts'),
  },
  'snat-rules': {
    summary: 'print (or --apply) the SNAT/connmark iptables rules for the current environment',
    load: () => import('./snat-rules.ts'),
  },
};

function usage(): string {
  const lines = ['usage: vpc-ipamd <command> [options]', '', 'commands:'];
  for (const [name, command] of Object.entries(commands)) {
    lines.push(`  ${name.padEnd(14)}${command.summary}`);
  }
  lines.push('', 'Run `vpc-ipamd <command> --help` for the options of one command.');
  return lines.join('\n');
}

export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 1 : 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`vpc-ipamd: unknown command '${name}'\n${usage()}\n`);
    return 1;
  }
  const module = await command.load();
  return module.run(rest);
}
