import type { FaultSpec } from './api.ts';
import { defaultHttpStatus, defaultMessage, Ec2Error } from './ec2/errors.ts';
import type { SeededRandom } from './random.ts';

interface ActiveFault {
  readonly spec: FaultSpec;
  remaining: number;
}

/**
 * Injected EC2 failures: a matching call fails with the fault's code, for the next N calls or
 * with a probability, until cleared. The first matching fault in injection order applies.
 */
export class FaultInjector {
  private faults: ActiveFault[] = [];
  private readonly random: SeededRandom;

  constructor(random: SeededRandom) {
    this.random = random;
  }

  inject(spec: FaultSpec): void {
    if (typeof spec.action !== 'string' || spec.action === '')
      throw new RangeError('a fault needs an action (or "*")');
    if (typeof spec.code !== 'string' || spec.code === '')
      throw new RangeError('a fault needs an error code');
    if (spec.count !== undefined && !(Number.isInteger(spec.count) && spec.count >= 1)) {
      throw new RangeError(`fault count must be a whole number ≥ 1, got ${spec.count}`);
    }
    if (spec.probability !== undefined && !(spec.probability >= 0 && spec.probability <= 1)) {
      throw new RangeError(`fault probability must be within 0–1, got ${spec.probability}`);
    }
    if (spec.count !== undefined && spec.probability !== undefined) {
      throw new RangeError('a fault takes either count or probability, not both');
    }
    this.faults.push({ spec, remaining: spec.count ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.faults = [];
  }

  active(): FaultSpec[] {
    return this.faults.map((f) => f.spec);
  }

  /** The error this call of `action` must fail with, if any (and uses up one count). */
  check(action: string): Ec2Error | undefined {
    for (const fault of this.faults) {
      const { spec } = fault;
      if (spec.action !== '*' && spec.action !== action) continue;
      if (spec.probability !== undefined && this.random.next() >= spec.probability) continue;
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
      return new Ec2Error(
        spec.code,
        spec.message ?? defaultMessage(spec.code, action),
        spec.httpStatus ?? defaultHttpStatus(spec.code),
      );
    }
    return undefined;
  }
}
