import type { Ec2Port } from '../aws/ec2-port.ts';
import { type Ec2Error, toEc2Error } from '../aws/errors.ts';
import {
  type BackoffSchedule,
  type EniRetrySchedules,
  retryWithBackoff,
} from '../ipam/eni/backoff.ts';
import type { EniTagSettings } from '../ipam/eni/tags.ts';
import type { Logger } from '../observe/logger.ts';
import type { Scheduler } from './scheduler.ts';

/**
 * What the daemon's EC2 workflows (allocate, free, tag, describe, leaked-ENI cleanup) run on:
 * the EC2 port, time, jitter, the log, the retry schedules and the tag settings of new ENIs.
 */
export interface Ec2Context {
  readonly ec2: Ec2Port;
  readonly scheduler: Pick<Scheduler, 'now' | 'sleep'>;
  /** In [0, 1): back-off jitter. */
  readonly random: () => number;
  readonly logger: Logger;
  readonly schedules: EniRetrySchedules;
  readonly tags: EniTagSettings;
}

/**
 * Runs one EC2 call on a back-off schedule. UnauthorizedOperation is never retried (more tries
 * cannot grant a permission), nor anything `retryable` turns down.
 */
export function retryEc2<T>(
  ctx: Ec2Context,
  schedule: BackoffSchedule,
  what: string,
  fields: object,
  call: () => Promise<T>,
  retryable: (error: Ec2Error) => boolean = () => true,
): Promise<T> {
  return retryWithBackoff(
    schedule,
    {
      sleep: (ms) => ctx.scheduler.sleep(ms),
      random: ctx.random,
      retryable: (err) => {
        const error = toEc2Error('', err);
        return error.kind !== 'unauthorized' && retryable(error);
      },
      onRetry: (err, attempt, delayMs) =>
        ctx.logger.warn(
          { ...fields, attempt, delayMs, err: toEc2Error('', err).message },
          `${what} failed, retrying`,
        ),
    },
    () => call(),
  );
}
