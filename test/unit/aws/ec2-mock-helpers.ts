import { EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { Ec2ApiStats } from '../../../src/aws/api-metrics.ts';
import { SdkEc2, type SdkEc2Options } from '../../../src/aws/ec2-sdk.ts';
import { Ec2RateLimiter } from '../../../src/aws/rate-limiter.ts';
import type { Ec2Context } from '../../../src/daemon/ec2-context.ts';
import { ManualClock } from '../../../src/ipam/clock.ts';
import { REFERENCE_ENI_RETRY_SCHEDULES } from '../../../src/ipam/eni/backoff.ts';
import type { EniTagSettings } from '../../../src/ipam/eni/tags.ts';
import { silentLogger } from '../../../src/observe/logger.ts';

/**
 * Test-only: an SdkEc2 on a mocked EC2Client, a manual clock, recorded sleeps and fixed jitter,
 * and the daemon's EC2 workflow context on top of it (the workflows over the real adapter).
 */

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
  /** The daemon's workflows run on this: the adapter above, the clock, sleeps and jitter here. */
  readonly ctx: Ec2Context;
  readonly clock: ManualClock;
  /** Every sleep the adapter asked for, in ms, in order (the clock advances by each). */
  readonly sleeps: number[];
  readonly stats: Ec2ApiStats;
  readonly limiter: Ec2RateLimiter;
}

export interface HarnessOptions extends Partial<SdkEc2Options> {
  /** CLUSTER_NAME and ADDITIONAL_ENI_TAGS of new ENIs (none by default). */
  readonly tags?: Partial<Omit<EniTagSettings, 'instanceId'>>;
}

export function harness(options: HarnessOptions = {}, jitter = 0.5): Harness {
  const { tags, ...overrides } = options;
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
    clock,
    observer: stats,
    rateLimiter: limiter,
    ...overrides,
  });
  const ctx: Ec2Context = {
    ec2,
    scheduler: { now: () => clock.now(), sleep },
    random: () => jitter,
    logger: silentLogger(),
    schedules: REFERENCE_ENI_RETRY_SCHEDULES,
    tags: { instanceId: INSTANCE_ID, clusterName: '', additionalTags: {}, ...tags },
  };
  return { client, mock, ec2, ctx, clock, sleeps, stats, limiter };
}
