import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../../bin/vpc-ipamd.js', import.meta.url));

interface Endpoints {
  ec2Endpoint: string;
  imdsEndpoint: string;
  controlEndpoint: string;
  region: string;
  instanceId: string;
  vpcId: string;
  subnetId: string;
}

const children: ChildProcess[] = [];

function start(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return child;
}

async function firstLine(child: ChildProcess): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  throw new Error('the process ended without printing a line');
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('vpc-ipamd sim', () => {
  it('prints its endpoints on the first line, serves EC2 and IMDS, and exits 0 on SIGTERM', async () => {
    const child = start([
      'sim',
      '--port',
      '0',
      '--latency',
      'none',
      '--instance-type',
      'c5.4xlarge',
    ]);
    const endpoints = JSON.parse(await firstLine(child)) as Endpoints;
    expect(Object.keys(endpoints).sort()).toEqual(
      [
        'controlEndpoint',
        'ec2Endpoint',
        'imdsEndpoint',
        'instanceId',
        'region',
        'subnetId',
        'vpcId',
      ].sort(),
    );
    expect(endpoints.ec2Endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const ec2 = new EC2Client({
      endpoint: endpoints.ec2Endpoint,
      region: endpoints.region,
      credentials: { accessKeyId: 'AKIDSIMULATED', secretAccessKey: 'simulated' },
      maxAttempts: 1,
    });
    const out = await ec2.send(
      new DescribeInstancesCommand({ InstanceIds: [endpoints.instanceId] }),
    );
    expect(out.Reservations?.[0]?.Instances?.[0]?.InstanceType).toBe('c5.4xlarge');
    ec2.destroy();

    const token = await (
      await fetch(`${endpoints.imdsEndpoint}/latest/api/token`, {
        method: 'PUT',
        headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' },
      })
    ).text();
    const id = await fetch(`${endpoints.imdsEndpoint}/latest/meta-data/instance-id`, {
      headers: { 'x-aws-ec2-metadata-token': token },
    });
    expect(await id.text()).toBe(endpoints.instanceId);

    const state = (await (await fetch(`${endpoints.controlEndpoint}/_sim/state`)).json()) as {
      vpc: { id: string };
    };
    expect(state.vpc.id).toBe(endpoints.vpcId);

    child.kill('SIGTERM');
    expect(await exitCode(child)).toBe(0);
  });

  it('--help prints the usage and exits 0; a bad option exits 1', async () => {
    const help = start(['sim', '--help']);
    const text = await firstLine(help);
    expect(text).toMatch(/^usage: vpc-ipamd sim/);
    expect(await exitCode(help)).toBe(0);
    const bad = start(['sim', '--latency', 'slow']);
    expect(await exitCode(bad)).toBe(1);
  });
});
