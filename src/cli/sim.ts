/**
 * `vpc-ipamd sim`: a simulated AWS region with one instance, served until SIGINT/SIGTERM. The
 * first line on stdout is one JSON object with the endpoints, so scripts and tests can start it
 * as a child process and read where to point AWS_EC2_ENDPOINT and
 * AWS_EC2_METADATA_SERVICE_ENDPOINT.
 */
import { lookupInstanceType } from '../ipam/instance-limits.ts';
import type { LatencyProfileName } from '../sim/api.ts';
import { startSimulatedRegion } from '../sim/index.ts';

const USAGE = `usage: vpc-ipamd sim [options]

Runs a simulated AWS region (EC2 Query API, instance metadata service, control API under /_sim/)
with one instance, on 127.0.0.1, until interrupted. The first line printed is a JSON object:
{"ec2Endpoint","imdsEndpoint","controlEndpoint","region","instanceId","vpcId","subnetId"}.

options:
  --port N              port of the EC2 + control server (default 0: any free port)
  --instance-type T     type of the instance (default m5.large; any type in the limits table)
  --latency P           none | fast | realistic (default fast)
  --imds-lag-ms N       how long EC2 changes take to show in IMDS (default 0)
  -h, --help            this text`;

interface SimArgs {
  readonly port: number;
  readonly instanceType: string;
  readonly latency: LatencyProfileName;
  readonly imdsLagMs: number;
}

class UsageError extends Error {}

function parseArgs(args: string[]): SimArgs | 'help' {
  let port = 0;
  let instanceType = 'm5.large';
  let latency: LatencyProfileName = 'fast';
  let imdsLagMs = 0;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-h' || arg === '--help') return 'help';
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      const v = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (v === undefined || v === '') throw new UsageError(`${name} needs a value`);
      return v;
    };
    const whole = (v: string, max: number): number => {
      if (!/^\d+$/.test(v) || Number(v) > max)
        throw new UsageError(`${name} must be a whole number ≤ ${max}, got '${v}'`);
      return Number(v);
    };
    switch (name) {
      case '--port':
        port = whole(value(), 65535);
        break;
      case '--instance-type':
        instanceType = value();
        if (!lookupInstanceType(instanceType))
          throw new UsageError(`unknown instance type '${instanceType}'`);
        break;
      case '--latency': {
        const v = value();
        if (v !== 'none' && v !== 'fast' && v !== 'realistic') {
          throw new UsageError(`--latency must be none, fast or realistic, got '${v}'`);
        }
        latency = v;
        break;
      }
      case '--imds-lag-ms':
        imdsLagMs = whole(value(), 3_600_000);
        break;
      default:
        throw new UsageError(`unknown option '${arg}'`);
    }
  }
  return { port, instanceType, latency, imdsLagMs };
}

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export async function run(args: string[]): Promise<number> {
  let parsed: SimArgs | 'help';
  try {
    parsed = parseArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`vpc-ipamd sim: ${error.message}\n${USAGE}\n`);
    return 1;
  }
  if (parsed === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const stopped = untilSignal();
  const region = await startSimulatedRegion({
    port: parsed.port,
    latency: parsed.latency,
    imdsLagMs: parsed.imdsLagMs,
  });
  try {
    const instance = await region.launchInstance({ instanceType: parsed.instanceType });
    const endpoints = {
      ec2Endpoint: region.ec2Endpoint,
      imdsEndpoint: instance.imdsEndpoint,
      controlEndpoint: region.controlEndpoint,
      region: region.region,
      instanceId: instance.instanceId,
      vpcId: region.vpcId,
      subnetId: region.subnetId,
    };
    process.stdout.write(`${JSON.stringify(endpoints)}\n`);
    process.stderr.write(
      `vpc-ipamd sim: ${instance.instanceType} ${instance.instanceId} in ${region.region}; ` +
        `AWS_EC2_ENDPOINT=${region.ec2Endpoint} AWS_EC2_METADATA_SERVICE_ENDPOINT=${instance.imdsEndpoint}; ` +
        `state at ${region.controlEndpoint}/_sim/state; Ctrl-C stops\n`,
    );
    const signal = await stopped;
    process.stderr.write(`vpc-ipamd sim: ${signal}, stopping\n`);
  } finally {
    await region.close();
  }
  return 0;
}
