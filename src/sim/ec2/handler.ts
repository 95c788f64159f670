import type { RegionState } from '../model/region-state.ts';
import type { QueryParams } from './query-params.ts';
import type { XmlFragment } from './xml.ts';

export interface HandlerContext {
  readonly params: QueryParams;
  readonly state: RegionState;
}

/**
 * One EC2 action: reads its parameters, changes or reads the region, and returns the children of
 * `<ActionResponse>` (the server adds the envelope and the request ID). Errors are thrown as
 * Ec2Error.
 */
export type ActionHandler = (context: HandlerContext) => XmlFragment[];
