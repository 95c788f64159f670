import { EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { Ec2ApiStats } from '../../../src/aws/api-metrics.ts';
import { SdkEc2, type SdkEc2Options } from '../../../src/aws/ec2-sdk.ts';
import { Ec2RateLimiter } from '../../../src/aws/rate-limiter.ts';
import { ManualClock } from '../../../src/ipam/clock.ts';

/** Test-only: an SdkEc2 on a mocked EC2Client, a manual clock, recorded sleeps and fixed jitter. */

export const INSTANCE_ID = 'i-0123456789abcdef0';

/** An error shaped as the SDK throws them for an EC2 error code. */
export function ec2Error(
  code: string,
  message = `${code} happened`,
  httpStatusCode = 400,
): EC2ServiceException {
  return new EC2ServiceException({
    name: code,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode, attempts: 1 },
    message,
  });
}

export interface Harness {
  readonly client: EC2Client;
  // biome-ignore lint/suspicious/noExplicitAny: aws-sdk-client-mock's stub type is generic over every command of the client.
  readonly mock: AwsStub<any, any, any>;
  readonly ec2: SdkEc2;
  readonly clock: ManualClock;
  /** Every sleep the adapter asked for, in ms, in order (the clock advances by each). */
  readonly sleeps: number[];
  readonly stats: Ec2ApiStats;
  readonly limiter: Ec2RateLimiter;
}

export function harness(overrides: Partial<SdkEc2Options> = {}, jitter = 0.5): Harness {
  const client = new EC2Client({
    region: 'us-west-2',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const mock = mockClient(client);
  const clock = new ManualClock();
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    clock.advance(ms);
  };
  const stats = new Ec2ApiStats();
  const limiter = new Ec2RateLimiter({ clock, sleep });
  const ec2 = new SdkEc2({
    client,
    instanceId: INSTANCE_ID,
    clusterName: '',
    additionalEniTags: {},
    clock,
    sleep,
    random: () => jitter,
    observer: stats,
    rateLimiter: limiter,
    ...overrides,
  });
  return { client, mock, ec2, clock, sleeps, stats, limiter };
}
