import { randomUUID } from 'node:crypto';
import type { CounterBook } from '../counters.ts';
import type { FaultInjector } from '../faults.ts';
import type { LatencySampler } from '../latency.ts';
import type { RegionState } from '../model/region-state.ts';
import type { AccountThrottle } from '../throttle.ts';
import { EC2_ACTIONS } from './actions.ts';
import { Ec2Error } from './errors.ts';
import type { QueryParams } from './query-params.ts';
import { escapeXml, leaf, xmlDocument } from './xml.ts';

/** The namespace EC2 puts on every response (API version 2016-11-15, the one the SDK speaks). */
export const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export interface Ec2Answer {
  readonly status: number;
  readonly body: string;
  readonly requestId: string;
}

export interface Ec2ServiceDeps {
  readonly state: RegionState;
  readonly throttle: AccountThrottle;
  readonly faults: FaultInjector;
  readonly counters: CounterBook;
  readonly latency: LatencySampler;
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * One EC2 Query API call from parameters to answer, in EC2's order: unknown action, then the
 * account's token bucket (throttled calls answer at once), then the action's latency, then
 * injected faults, then the action itself.
 */
export class Ec2Service {
  private readonly deps: Ec2ServiceDeps;

  constructor(deps: Ec2ServiceDeps) {
    this.deps = deps;
  }

  async call(params: QueryParams): Promise<Ec2Answer> {
    const { state, throttle, faults, counters, latency, sleep } = this.deps;
    const requestId = randomUUID();
    const action = params.string('Action');
    if (action === undefined || action === '') {
      return errorAnswer(
        new Ec2Error('MissingAction', 'The request must contain the parameter Action'),
        requestId,
      );
    }
    counters.call(action);
    const fail = (error: Ec2Error): Ec2Answer => {
      counters.error(action, error.code === 'RequestLimitExceeded');
      return errorAnswer(error, requestId);
    };
    const handler = Object.hasOwn(EC2_ACTIONS, action) ? EC2_ACTIONS[action] : undefined;
    if (!handler)
      return fail(
        new Ec2Error('InvalidAction', `The action ${action} is not valid for this web service.`),
      );
    state.settle();
    if (!throttle.admit(action, params))
      return fail(new Ec2Error('RequestLimitExceeded', 'Request limit exceeded.'));

    const delay = latency.action(action);
    if (delay > 0) await sleep(delay);
    state.settle();
    try {
      const fault = faults.check(action);
      if (fault) throw fault;
      // A dry run only checks permissions in EC2, and the simulator grants every permission.
      if (params.boolean('DryRun')) {
        throw new Ec2Error(
          'DryRunOperation',
          'Request would have succeeded, but DryRun flag is set.',
        );
      }
      const children = handler({ params, state });
      const body = xmlDocument(
        `${action}Response`,
        [leaf('requestId', requestId), ...children],
        EC2_XMLNS,
      );
      return { status: 200, body, requestId };
    } catch (error) {
      if (error instanceof Ec2Error) return fail(error);
      const message = error instanceof Error ? error.message : String(error);
      return fail(
        new Ec2Error('InternalError', `An internal error has occurred (${message})`, 500),
      );
    }
  }
}

/** EC2's error envelope. */
export function errorAnswer(error: Ec2Error, requestId: string): Ec2Answer {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Response><Errors><Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error></Errors>` +
    `<RequestID>${escapeXml(requestId)}</RequestID></Response>`;
  return { status: error.httpStatus, body, requestId };
}
