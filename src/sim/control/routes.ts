import type { FaultSpec, LaunchOptions, SimCounters, SimInstance, SubnetOptions } from '../api.ts';
import { Ec2Error } from '../ec2/errors.ts';

/** What the control API drives: the region itself. */
export interface ControlTarget {
  launchInstance(options?: LaunchOptions): Promise<SimInstance>;
  terminateInstance(instanceId: string): Promise<void>;
  createSubnet(options: SubnetOptions): string;
  createSecurityGroup(name: string): string;
  injectFault(fault: FaultSpec): void;
  clearFaults(): void;
  activeFaults(): FaultSpec[];
  counters(): SimCounters;
  reset(): Promise<void>;
  dump(): Record<string, unknown>;
}

export interface ControlAnswer {
  readonly status: number;
  readonly json: unknown;
}

function object(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  const parsed: unknown = JSON.parse(body);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new RangeError('the request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/**
 * The simulator's control API (JSON, under `/_sim/` on the EC2 server): launch and terminate
 * instances, add subnets and security groups, inject and clear faults, read counters and the
 * whole state, reset.
 */
export async function handleControl(
  target: ControlTarget,
  method: string,
  path: string,
  body: string,
): Promise<ControlAnswer> {
  try {
    const route = `${method} ${path.replace(/\/+$/, '')}`;
    const instance = /^DELETE \/_sim\/instances\/([^/]+)$/.exec(route);
    if (instance) {
      await target.terminateInstance(decodeURIComponent(instance[1]!));
      return { status: 200, json: { terminated: decodeURIComponent(instance[1]!) } };
    }
    switch (route) {
      case 'POST /_sim/instances':
        return { status: 200, json: await target.launchInstance(object(body) as LaunchOptions) };
      case 'POST /_sim/subnets':
        return {
          status: 200,
          json: { subnetId: target.createSubnet(object(body) as unknown as SubnetOptions) },
        };
      case 'POST /_sim/security-groups': {
        const name = object(body).name;
        if (typeof name !== 'string' || name === '')
          throw new RangeError('a security group needs a name');
        return { status: 200, json: { groupId: target.createSecurityGroup(name) } };
      }
      case 'POST /_sim/faults':
        target.injectFault(object(body) as unknown as FaultSpec);
        return { status: 200, json: { faults: target.activeFaults() } };
      case 'DELETE /_sim/faults':
        target.clearFaults();
        return { status: 200, json: { faults: [] } };
      case 'GET /_sim/counters':
        return { status: 200, json: target.counters() };
      case 'POST /_sim/reset':
        await target.reset();
        return { status: 200, json: { reset: true } };
      case 'GET /_sim/state':
        return { status: 200, json: target.dump() };
      default:
        return { status: 404, json: { error: `no control route ${method} ${path}` } };
    }
  } catch (error) {
    if (error instanceof RangeError || error instanceof SyntaxError || error instanceof Ec2Error) {
      return {
        status: 400,
        json: { error: error.message, ...(error instanceof Ec2Error ? { code: error.code } : {}) },
      };
    }
    return { status: 500, json: { error: error instanceof Error ? error.message : String(error) } };
  }
}
