import type { CoreV1Api, V1Node, Watch } from '@kubernetes/client-node';
import type { NodeInfo, NodeView } from '../daemon/kubernetes-ports.ts';
import type { Logger } from '../observe/logger.ts';
import { type ObjectList, ResourceWatch } from './resource-watch.ts';

/** The daemon's NodeInfo port: this node's Node object (MY_NODE_NAME), listed and watched. */
export class NodeWatch implements NodeInfo {
  readonly informer: ResourceWatch<V1Node>;
  private readonly name: string;

  constructor(deps: { name: string; core: CoreV1Api; watch: Watch; logger: Logger }) {
    this.name = deps.name;
    const fieldSelector = `metadata.name=${deps.name}`;
    this.informer = new ResourceWatch<V1Node>({
      what: `node ${deps.name}`,
      path: '/api/v1/nodes',
      fieldSelector,
      list: () => deps.core.listNode({ fieldSelector }) as Promise<ObjectList<V1Node>>,
      watch: deps.watch,
      logger: deps.logger,
    });
  }

  get synced(): boolean {
    return this.informer.synced;
  }

  current(): NodeView | undefined {
    const node = this.informer.get(this.name);
    return node ? nodeView(this.name, node) : undefined;
  }

  onChange(listener: () => void): void {
    this.informer.onChange(listener);
  }
}

/** What the daemon reads of a Node; `capacity.pods` is a quantity, a plain integer for pods. */
export function nodeView(name: string, node: V1Node): NodeView {
  const pods = node.status?.capacity?.pods;
  const parsed = pods === undefined ? Number.NaN : Number.parseInt(String(pods), 10);
  return {
    name,
    labels: { ...(node.metadata?.labels ?? {}) },
    annotations: { ...(node.metadata?.annotations ?? {}) },
    capacityPods: Number.isInteger(parsed) && parsed > 0 ? parsed : undefined,
  };
}
