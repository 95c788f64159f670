import type { CustomObjectsApi, Watch } from '@kubernetes/client-node';
import type { EniConfigSource } from '../daemon/kubernetes-ports.ts';
import type { Logger } from '../observe/logger.ts';
import { type ObjectList, ResourceWatch, type WatchedObject } from './resource-watch.ts';

/** The ENIConfig CRD (cluster-scoped). */
export const ENI_CONFIG_GROUP = 'crd.k8s.amazonaws.com';
export const ENI_CONFIG_VERSION = 'v1alpha1';
export const ENI_CONFIG_PLURAL = 'eniconfigs';

interface EniConfigObject extends WatchedObject {
  readonly spec?: unknown;
}

/** The daemon's EniConfigSource port: every ENIConfig, listed and watched. */
export class EniConfigWatch implements EniConfigSource {
  readonly informer: ResourceWatch<EniConfigObject>;

  constructor(deps: { custom: CustomObjectsApi; watch: Watch; logger: Logger }) {
    this.informer = new ResourceWatch<EniConfigObject>({
      what: 'ENIConfigs',
      path: `/apis/${ENI_CONFIG_GROUP}/${ENI_CONFIG_VERSION}/${ENI_CONFIG_PLURAL}`,
      list: () =>
        deps.custom.listClusterCustomObject({
          group: ENI_CONFIG_GROUP,
          version: ENI_CONFIG_VERSION,
          plural: ENI_CONFIG_PLURAL,
        }) as Promise<ObjectList<EniConfigObject>>,
      watch: deps.watch,
      logger: deps.logger,
    });
  }

  get synced(): boolean {
    return this.informer.synced;
  }

  get(name: string): { readonly spec: unknown } | undefined {
    const found = this.informer.get(name);
    return found ? { spec: found.spec } : undefined;
  }

  onChange(listener: () => void): void {
    this.informer.onChange(listener);
  }
}
