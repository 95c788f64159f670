import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteNetworkInterfaceCommand } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { Ec2ApiStats } from '../../../src/aws/api-metrics.ts';
import { createSdkEc2, SdkEc2 } from '../../../src/aws/ec2-sdk.ts';
import { Ec2RateLimiter } from '../../../src/aws/rate-limiter.ts';
import { ec2Error, harness } from './ec2-mock-helpers.ts';

/** A stand-in EC2 endpoint on 127.0.0.1 answering from a script, recording what it got. */
interface FakeEc2 {
  readonly endpoint: string;
  readonly requests: { action: string; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

type Answer = 'ok' | 'throttle' | 'hang';

const OK = (action: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><return>true</return></${action}Response>`;
const THROTTLED =
  '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r-2</RequestID></Response>';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function fakeEc2(script: Answer[]): Promise<FakeEc2> {
  const requests: FakeEc2['requests'] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const action = new URLSearchParams(body).get('Action') ?? '';
      requests.push({ action, headers: req.headers });
      const answer = script.shift() ?? 'ok';
      if (answer === 'hang') {
        hanging.push(res);
        return;
      }
      const throttled = answer === 'throttle';
      res.writeHead(throttled ? 503 : 200, { 'content-type': 'text/xml' });
      res.end(throttled ? THROTTLED : OK(action));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const res of hanging) res.destroy();
    },
  };
}

function adapterOn(
  endpoint: string,
  stats: Ec2ApiStats,
  maxAttempts: number,
  httpTimeoutSeconds = 10,
) {
  return createSdkEc2(
    {
      ec2Endpoint: endpoint,
      httpTimeoutSeconds,
      vpcCniVersion: 'v1.23.1-test',
      ec2RateLimits: {},
    },
    {
      region: 'us-west-2',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts,
      instanceId: 'i-1',
      observer: stats,
    },
  );
}

describe('the SDK client built from Config', () => {
  it('talks to AWS_EC2_ENDPOINT (the reference forgot to) with VPC_CNI_VERSION in the user agent', async () => {
    const ec2 = await fakeEc2(['ok']);
    const stats = new Ec2ApiStats();
    const { ec2: port, client } = adapterOn(ec2.endpoint, stats, 3);
    await port.deleteNetworkInterface('eni-1');
    expect(ec2.requests.map((r) => r.action)).toEqual(['DeleteNetworkInterface']);
    const agent = `${ec2.requests[0]?.headers['user-agent'] ?? ''} ${ec2.requests[0]?.headers['x-amz-user-agent'] ?? ''}`;
    expect(agent).toContain('amazon-vpc-cni-k8s/v1.23.1-test');
    expect(await client.config.maxAttempts()).toBe(3);
    expect(await client.config.region()).toBe('us-west-2');
    client.destroy();
  });

  it('counts a throttle the SDK retried away (one call, two attempts, success)', async () => {
    const ec2 = await fakeEc2(['throttle', 'ok']);
    const stats = new Ec2ApiStats();
    const { ec2: port, client } = adapterOn(ec2.endpoint, stats, 3);
    await port.deleteNetworkInterface('eni-1');
    expect(stats.snapshot().DeleteNetworkInterface).toMatchObject({
      calls: 1,
      errors: 0,
      throttled: 1,
      attempts: 2,
    });
    client.destroy();
  });

  it('classifies and counts throttling that outlasts the SDK retry', async () => {
    const ec2 = await fakeEc2(['throttle', 'throttle']);
    const stats = new Ec2ApiStats();
    const { ec2: port, client } = adapterOn(ec2.endpoint, stats, 2);
    await expect(port.unassignPrivateIpAddresses('eni-1', ['10.0.0.1'])).rejects.toMatchObject({
      kind: 'throttled',
      code: 'RequestLimitExceeded',
      action: 'UnassignPrivateIpAddresses',
    });
    expect(stats.snapshot().UnassignPrivateIpAddresses).toMatchObject({
      calls: 1,
      errors: 1,
      throttled: 2,
      errorsByKind: { throttled: 1 },
      errorsByCode: { RequestLimitExceeded: 1 },
    });
    client.destroy();
  });

  it('a request longer than HTTP_TIMEOUT fails as a timeout', async () => {
    const ec2 = await fakeEc2(['hang']);
    const stats = new Ec2ApiStats();
    const { ec2: port, client } = adapterOn(ec2.endpoint, stats, 1, 0.3);
    await expect(port.unassignIpv4Prefixes('eni-1', ['10.0.0.16/28'])).rejects.toMatchObject({
      kind: 'timeout',
    });
    expect(stats.snapshot().UnassignPrivateIpAddresses?.errorsByKind).toEqual({ timeout: 1 });
    await ec2.close();
    client.destroy();
  });
});

describe('Ec2ApiStats through the adapter', () => {
  it('per action: calls, errors by kind and code, latency and client-side waits', async () => {
    const h = harness();
    const stats = new Ec2ApiStats();
    const sleeps: number[] = [];
    const limiter = new Ec2RateLimiter({
      buckets: { DeleteNetworkInterface: { capacity: 1, refillPerSecond: 2 } },
      clock: h.clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        h.clock.advance(ms);
      },
    });
    const ec2 = new SdkEc2({
      client: h.client,
      instanceId: 'i-1',
      clock: h.clock,
      observer: stats,
      rateLimiter: limiter,
    });
    h.mock
      .on(DeleteNetworkInterfaceCommand)
      .callsFakeOnce(async () => {
        h.clock.advance(120);
        return {};
      })
      .rejectsOnce(ec2Error('UnauthorizedOperation', 'no', 403));
    await ec2.deleteNetworkInterface('eni-1');
    await expect(ec2.deleteNetworkInterface('eni-2')).rejects.toMatchObject({
      kind: 'unauthorized',
    });
    // The first call held the clock for 120 ms, so 60 ms of the 500 ms refill had passed.
    expect(sleeps).toEqual([380]);
    expect(stats.snapshot().DeleteNetworkInterface).toEqual({
      calls: 2,
      errors: 1,
      throttled: 0,
      errorsByKind: { unauthorized: 1 },
      errorsByCode: { UnauthorizedOperation: 1 },
      latencyMsSum: 120,
      latencyMsMax: 120,
      rateLimitWaitMsSum: 380,
      attempts: 1,
    });
    expect(stats.calls('DeleteNetworkInterface')).toBe(2);
    expect(limiter.levels().DeleteNetworkInterface).toBe(0);
  });
});
