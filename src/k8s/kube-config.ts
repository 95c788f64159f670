import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Environment } from '../config/types.ts';

/** Where a pod's service account credentials are mounted. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface LoadedKubeConfig {
  readonly kubeConfig: KubeConfig;
  /** The API server URL. */
  readonly server: string;
  /** How it was found, for log lines ('KUBECONFIG=…', 'in-cluster service account'). */
  readonly source: string;
  /** The namespace this daemon runs in (for its events): the service account's, else kube-system. */
  readonly namespace: string;
}

/**
 * The API server and credentials: KUBECONFIG (its first file; for development) wins, else the
 * pod's service account (KUBERNETES_SERVICE_HOST/PORT, token file re-read as it rotates, the
 * cluster CA). CLUSTER_ENDPOINT replaces the server URL either way, as the reference's does.
 */
export function loadKubeConfig(
  env: Environment,
  options: { readonly clusterEndpoint: string; readonly serviceAccountDir?: string },
): LoadedKubeConfig {
  const kubeConfig = new KubeConfig();
  const accountDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  let source: string;
  const kubeconfigPath = (env.KUBECONFIG ?? '').split(':').find((path) => path !== '');
  if (kubeconfigPath) {
    if (!existsSync(kubeconfigPath)) throw new Error(`KUBECONFIG=${kubeconfigPath}: no such file`);
    kubeConfig.loadFromFile(kubeconfigPath);
    source = `KUBECONFIG=${kubeconfigPath}`;
  } else if ((env.KUBERNETES_SERVICE_HOST ?? '') !== '' || options.clusterEndpoint !== '') {
    const host = env.KUBERNETES_SERVICE_HOST ?? '';
    const port = env.KUBERNETES_SERVICE_PORT ?? '443';
    const bracketed = host.includes(':') ? `[${host}]` : host;
    kubeConfig.loadFromClusterAndUser(
      {
        name: 'in-cluster',
        server: `https://${bracketed}:${port}`,
        caFile: join(accountDir, 'ca.crt'),
        skipTLSVerify: false,
      },
      {
        name: 'service-account',
        authProvider: { name: 'tokenFile', config: { tokenFile: join(accountDir, 'token') } },
      },
    );
    source = 'in-cluster service account';
  } else {
    throw new Error('no Kubernetes API configured: run in a pod or set KUBECONFIG');
  }
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error(`${source}: no current cluster`);
  if (options.clusterEndpoint !== '') {
    // The cluster objects are frozen copies: replace the current one with the new server.
    kubeConfig.clusters = kubeConfig.clusters.map((c) =>
      c.name === cluster.name ? { ...c, server: options.clusterEndpoint } : c,
    );
    source += ` with CLUSTER_ENDPOINT=${options.clusterEndpoint}`;
  }
  const namespaceFile = join(accountDir, 'namespace');
  const namespace = existsSync(namespaceFile)
    ? readFileSync(namespaceFile, 'utf8').trim()
    : 'kube-system';
  return {
    kubeConfig,
    server: kubeConfig.getCurrentCluster()?.server ?? '',
    source,
    namespace: namespace === '' ? 'kube-system' : namespace,
  };
}
