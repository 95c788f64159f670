/**
 * The reference's retry schedules for ENI work (its awsutils back-offs for DetachNetworkInterface,
 * DeleteNetworkInterface and CreateTags): wait `initialMs`, multiply by `factor`
 * after each retry, cap at `maxMs`, add random jitter in [0, jitter × wait); `attempts` counts
 * every try, so there are `attempts − 1` waits. Sleep and random are injected so tests can assert
 * the exact delays.
 */

export interface BackoffSchedule {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  /** Jitter as a fraction of the current wait (0.15 = up to 15 % more). */
  readonly jitter: number;
  /** Total tries, the first included. */
  readonly attempts: number;
}

/** DetachNetworkInterface in FreeENI. */
export const DETACH_ENI_BACKOFF: BackoffSchedule = Object.freeze({
  initialMs: 200,
  maxMs: 60_000,
  factor: 2,
  jitter: 0.15,
  attempts: 12,
});

/** DeleteNetworkInterface in FreeENI, after a failed attach and in leaked-ENI cleanup. */
export const DELETE_ENI_BACKOFF: BackoffSchedule = Object.freeze({
  initialMs: 500,
  maxMs: 60_000,
  factor: 2,
  jitter: 0.15,
  attempts: 12,
});

/** The fixed pause between a successful detach and the first delete (detach takes 2–3 s in EC2). */
export const DETACH_TO_DELETE_PAUSE_MS = 2_000;

/** CreateTags (TagENI and the createdAt tag of leaked-ENI candidates). */
export const CREATE_TAGS_BACKOFF: BackoffSchedule = Object.freeze({
  initialMs: 500,
  maxMs: 60_000,
  factor: 2,
  jitter: 0.3,
  attempts: 5,
});

/**
 * Polling EC2 until a new ENI's attachment is 'attached' (ours: the reference waits for IMDS).
 * Attach takes ~2–10 s; a doubling schedule would notice it up to twice as late, past the ADDs
 * waiting for it, so the waits stay flat at ≤ 2 s: ~6 filtered Describes per new ENI, ~55 s in all.
 */
export const WAIT_FOR_ATTACHMENT_BACKOFF: BackoffSchedule = Object.freeze({
  initialMs: 500,
  maxMs: 2_000,
  factor: 1.5,
  jitter: 0.15,
  attempts: 30,
});

export type Sleep = (ms: number) => Promise<void>;
export type RandomSource = () => number;

/**
 * The wait before retry number `retry` (0 = the wait after the first failure), jitter included.
 * `random` answers in [0, 1).
 */
export function backoffDelayMs(
  schedule: BackoffSchedule,
  retry: number,
  random: RandomSource,
): number {
  const base = Math.min(schedule.initialMs * schedule.factor ** retry, schedule.maxMs);
  return Math.round(base + random() * schedule.jitter * base);
}

/** Every wait of the schedule, in order (attempts − 1 of them). */
export function backoffDelays(schedule: BackoffSchedule, random: RandomSource): number[] {
  const delays: number[] = [];
  for (let retry = 0; retry < schedule.attempts - 1; retry++) {
    delays.push(backoffDelayMs(schedule, retry, random));
  }
  return delays;
}

export interface RetryOptions {
  readonly sleep: Sleep;
  readonly random: RandomSource;
  /** Whether an error is worth another try; default every error is. */
  readonly retryable?: (err: unknown) => boolean;
  /** Called before each wait, e.g. to log. `attempt` is the 1-based try that just failed. */
  readonly onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Runs `operation` until it resolves, an error is not retryable, or the schedule's attempts are
 * used up; then rethrows the last error.
 */
export async function retryWithBackoff<T>(
  schedule: BackoffSchedule,
  options: RetryOptions,
  operation: (attempt: number) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (err) {
      if (attempt >= schedule.attempts) throw err;
      if (options.retryable && !options.retryable(err)) throw err;
      const delay = backoffDelayMs(schedule, attempt - 1, options.random);
      options.onRetry?.(err, attempt, delay);
      await options.sleep(delay);
    }
  }
}

/** Every schedule the ENI workflows follow; tests against real EC2 models pass shorter ones. */
export interface EniRetrySchedules {
  readonly detach: BackoffSchedule;
  readonly delete: BackoffSchedule;
  readonly createTags: BackoffSchedule;
  /** Pause between a detach and the first delete. */
  readonly detachToDeletePauseMs: number;
  readonly waitForAttachment: BackoffSchedule;
}

export const REFERENCE_ENI_RETRY_SCHEDULES: EniRetrySchedules = Object.freeze({
  detach: DETACH_ENI_BACKOFF,
  delete: DELETE_ENI_BACKOFF,
  createTags: CREATE_TAGS_BACKOFF,
  detachToDeletePauseMs: DETACH_TO_DELETE_PAUSE_MS,
  waitForAttachment: WAIT_FOR_ATTACHMENT_BACKOFF,
});
