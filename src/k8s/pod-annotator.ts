import { type CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { PodAnnotator } from '../daemon/kubernetes-ports.ts';
import type { PodName } from '../ipam/pod-allocation.ts';
import { statusOf } from './resource-watch.ts';

/** The annotation ANNOTATE_POD_IP maintains (the reference's name). */
export const POD_IPS_ANNOTATION = 'vpc.amazonaws.com/pod-ips';
/** The same as a JSON pointer (`/` escaped as `~1`). */
const POD_IPS_POINTER = `/metadata/annotations/${POD_IPS_ANNOTATION.replaceAll('/', '~1')}`;

/** The daemon's PodAnnotator port: PATCH on the pod (RBAC: pods patch). */
export class PodIpsPatcher implements PodAnnotator {
  private readonly core: CoreV1Api;

  constructor(core: CoreV1Api) {
    this.core = core;
  }

  async setPodIps(pod: PodName, ip: string): Promise<void> {
    await this.core.patchNamespacedPod(
      {
        name: pod.name,
        namespace: pod.namespace,
        body: { metadata: { annotations: { [POD_IPS_ANNOTATION]: ip } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  /** A JSON patch whose `test` makes the API refuse (422) when the pod has another address. */
  async clearPodIps(pod: PodName, ip: string): Promise<void> {
    try {
      await this.core.patchNamespacedPod(
        {
          name: pod.name,
          namespace: pod.namespace,
          body: [
            { op: 'test', path: POD_IPS_POINTER, value: ip },
            { op: 'replace', path: POD_IPS_POINTER, value: '' },
          ],
        },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );
    } catch (error) {
      // Gone, or no longer this address: nothing to clear.
      if (statusOf(error) === 404 || statusOf(error) === 422) return;
      throw error;
    }
  }
}
