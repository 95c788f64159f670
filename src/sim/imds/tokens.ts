import { randomBytes } from 'node:crypto';
import type { Clock } from '../../ipam/clock.ts';

export const MIN_TOKEN_TTL_SECONDS = 1;
export const MAX_TOKEN_TTL_SECONDS = 21600;

/** IMDSv2 session tokens of one instance, expiring on the region's clock. */
export class ImdsTokens {
  private readonly tokens = new Map<string, number>();
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  issue(ttlSeconds: number): string {
    this.prune();
    const token = randomBytes(30).toString('base64url');
    this.tokens.set(token, this.clock.now() + ttlSeconds * 1000);
    return token;
  }

  isValid(token: string | undefined): boolean {
    if (token === undefined) return false;
    const expiresAt = this.tokens.get(token);
    return expiresAt !== undefined && this.clock.now() < expiresAt;
  }

  private prune(): void {
    const now = this.clock.now();
    for (const [token, expiresAt] of this.tokens) if (expiresAt <= now) this.tokens.delete(token);
  }
}
