import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  backoffDelays,
  CREATE_TAGS_BACKOFF,
  DELETE_ENI_BACKOFF,
  DETACH_ENI_BACKOFF,
  retryWithBackoff,
  WAIT_FOR_ATTACHMENT_BACKOFF,
} from '../../../../src/ipam/eni/backoff.ts';

describe("back-off schedules (the reference's awsutils back-offs)", () => {
  it('detach: 200 ms ×2 capped at 60 s, 12 tries → 11 waits', () => {
    expect(backoffDelays(DETACH_ENI_BACKOFF, () => 0)).toEqual([
      200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000,
    ]);
  });

  it('delete: 500 ms ×2 capped at 60 s, 12 tries', () => {
    expect(backoffDelays(DELETE_ENI_BACKOFF, () => 0)).toEqual([
      500, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000, 60000,
    ]);
  });

  it('CreateTags: 500 ms ×2, 5 tries, 30 % jitter', () => {
    expect(backoffDelays(CREATE_TAGS_BACKOFF, () => 0)).toEqual([500, 1000, 2000, 4000]);
    // Jitter is a fraction of the current wait: random 0.5 adds 15 %.
    expect(backoffDelays(CREATE_TAGS_BACKOFF, () => 0.5)).toEqual([575, 1150, 2300, 4600]);
  });

  it('jitter stays below jitter × wait and is added after the cap', () => {
    expect(backoffDelayMs(DETACH_ENI_BACKOFF, 0, () => 0.999999)).toBe(230);
    expect(backoffDelayMs(DETACH_ENI_BACKOFF, 20, () => 0.5)).toBe(64500);
  });

  it('waiting for an attachment polls at most 2 s apart for ~55 s (the reference waits on IMDS for ~162 s, doubling)', () => {
    const delays = backoffDelays(WAIT_FOR_ATTACHMENT_BACKOFF, () => 0);
    expect(delays.slice(0, 5)).toEqual([500, 750, 1125, 1688, 2000]);
    expect(Math.max(...delays)).toBe(2000);
    expect(delays.reduce((a, b) => a + b, 0)).toBe(54_063);
  });
});

describe('retryWithBackoff', () => {
  const schedule = { initialMs: 100, maxMs: 1000, factor: 3, jitter: 0.2, attempts: 4 };

  it('retries until success, sleeping the exact delays', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const result = await retryWithBackoff(
      schedule,
      { sleep: async (ms) => void sleeps.push(ms), random: () => 0.25 },
      async (attempt) => {
        calls++;
        if (attempt < 3) throw new Error(`fail ${attempt}`);
        return 'ok';
      },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(sleeps).toEqual([105, 315]);
  });

  it('gives up after the last attempt with the last error, without a trailing sleep', async () => {
    const sleeps: number[] = [];
    const retries: number[] = [];
    let calls = 0;
    await expect(
      retryWithBackoff(
        schedule,
        {
          sleep: async (ms) => void sleeps.push(ms),
          random: () => 0,
          onRetry: (_err, attempt) => retries.push(attempt),
        },
        async (attempt) => {
          calls++;
          throw new Error(`fail ${attempt}`);
        },
      ),
    ).rejects.toThrow('fail 4');
    expect(calls).toBe(4);
    expect(sleeps).toEqual([100, 300, 900]);
    expect(retries).toEqual([1, 2, 3]);
  });

  it('stops at once on an error that is not retryable', async () => {
    let calls = 0;
    await expect(
      retryWithBackoff(
        schedule,
        { sleep: async () => {}, random: () => 0, retryable: () => false },
        async () => {
          calls++;
          throw new Error('fatal');
        },
      ),
    ).rejects.toThrow('fatal');
    expect(calls).toBe(1);
  });
});
