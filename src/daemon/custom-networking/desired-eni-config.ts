import type { Config } from '../../config/types.ts';
import {
  checkEniConfigSpec,
  type EniConfigChoice,
  type EniConfigSpec,
  selectEniConfigName,
} from '../../ipam/eni/eni-config.ts';
import type { Logger } from '../../observe/logger.ts';
import type { IpamdMetrics } from '../../observe/metrics.ts';
import {
  type EniConfigSource,
  EVENT_MISSING_ENI_CONFIG,
  type EventSink,
  type NodeInfo,
} from '../kubernetes-ports.ts';

/**
 * Which ENIConfig this node should use right now (custom networking), from the watched Node and
 * ENIConfigs: `ready` with its spec, or why not. Every change of that answer is reported once — a
 * log line, a Warning event on the aws-node pod when the ENIConfig is missing or unusable, and
 * `vpcipamd_eni_config_state` — and then passed to the listeners (placement, convergence, pools).
 */

export type DesiredEniConfigState =
  | { readonly state: 'no-node'; readonly reason: string }
  | {
      readonly state: 'missing' | 'invalid';
      readonly choice: EniConfigChoice;
      readonly reason: string;
    }
  | { readonly state: 'ready'; readonly choice: EniConfigChoice; readonly spec: EniConfigSpec };

export const DESIRED_STATES = ['ready', 'missing', 'invalid', 'no-node'] as const;

export interface DesiredEniConfigDeps {
  readonly config: Pick<Config, 'eniConfigLabelKey' | 'eniConfigAnnotationKey' | 'nodeName'>;
  readonly nodeInfo: NodeInfo;
  readonly eniConfigs: EniConfigSource;
  readonly logger: Logger;
  readonly metrics: IpamdMetrics;
  readonly events: EventSink | undefined;
}

export class DesiredEniConfig {
  private readonly deps: DesiredEniConfigDeps;
  private readonly listeners: ((state: DesiredEniConfigState) => void)[] = [];
  private last: DesiredEniConfigState;
  private lastSignature: string;

  constructor(deps: DesiredEniConfigDeps) {
    this.deps = deps;
    this.last = this.compute();
    this.lastSignature = signature(this.last);
    this.report(this.last);
    const recheck = () => this.recheck();
    deps.nodeInfo.onChange(recheck);
    deps.eniConfigs.onChange(recheck);
  }

  current(): DesiredEniConfigState {
    return this.last;
  }

  onChange(listener: (state: DesiredEniConfigState) => void): void {
    this.listeners.push(listener);
  }

  private recheck(): void {
    const next = this.compute();
    const nextSignature = signature(next);
    if (nextSignature === this.lastSignature) return;
    this.last = next;
    this.lastSignature = nextSignature;
    this.report(next);
    for (const listener of this.listeners) listener(next);
  }

  private compute(): DesiredEniConfigState {
    const { config, nodeInfo, eniConfigs } = this.deps;
    const node = nodeInfo.current();
    if (!node) {
      return {
        state: 'no-node',
        reason: nodeInfo.synced
          ? `no Node named ${config.nodeName} (MY_NODE_NAME)`
          : `the Node ${config.nodeName} has not been read yet`,
      };
    }
    const choice = selectEniConfigName(node, {
      labelKey: config.eniConfigLabelKey,
      annotationKey: config.eniConfigAnnotationKey,
    });
    const found = eniConfigs.get(choice.name);
    if (!found) {
      return {
        state: 'missing',
        choice,
        reason: `eniconfig: eniconfig is not available: no ENIConfig named "${choice.name}" (chosen by ${describeChoice(choice, config)})`,
      };
    }
    const checked = checkEniConfigSpec(found.spec);
    if (!checked.ok) {
      return { state: 'invalid', choice, reason: `ENIConfig "${choice.name}": ${checked.reason}` };
    }
    return { state: 'ready', choice, spec: checked.spec };
  }

  private report(state: DesiredEniConfigState): void {
    const { logger, metrics, events } = this.deps;
    for (const name of DESIRED_STATES) metrics.eniConfigState.set({ state: name }, 0);
    metrics.eniConfigState.set({ state: state.state }, 1);
    if (state.state === 'ready') {
      logger.info(
        {
          eniConfig: state.choice.name,
          source: state.choice.source,
          subnet: state.spec.subnetId,
          securityGroups: state.spec.securityGroupIds,
        },
        'custom networking: ENIConfig selected; new ENIs use its subnet and security groups',
      );
      return;
    }
    logger.warn(
      { state: state.state },
      `custom networking: no pod addresses from new ENIs until this is fixed: ${state.reason}`,
    );
    if (state.state !== 'no-node') events?.warning(EVENT_MISSING_ENI_CONFIG, state.reason);
  }
}

function describeChoice(
  choice: EniConfigChoice,
  config: Pick<Config, 'eniConfigLabelKey' | 'eniConfigAnnotationKey'>,
): string {
  switch (choice.source) {
    case 'external-label':
    case 'label':
      return `the node's label ${choice.key}`;
    case 'annotation':
      return `the node's annotation ${choice.key}`;
    default:
      return `default: the node has no label vpc.amazonaws.com/externalEniConfig, annotation ${config.eniConfigAnnotationKey} or label ${config.eniConfigLabelKey}`;
  }
}

function signature(state: DesiredEniConfigState): string {
  return JSON.stringify(state);
}
