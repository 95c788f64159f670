import type { Clock } from './ipam/clock.ts';

/** The operating system's clock: what adapters default to when no clock is passed in. */
export const systemClock: Clock = { now: () => Date.now() };
