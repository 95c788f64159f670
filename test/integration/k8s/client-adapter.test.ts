import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitForApiServer } from '../../../src/k8s/api-reachability.ts';
import { connectKubernetes } from '../../../src/k8s/connect.ts';
import { EniConfigWatch } from '../../../src/k8s/eni-config-watch.ts';
import { PodEventSink } from '../../../src/k8s/event-sink.ts';
import { loadKubeConfig } from '../../../src/k8s/kube-config.ts';
import { NodeWatch } from '../../../src/k8s/node-watch.ts';
import { PodIpsPatcher } from '../../../src/k8s/pod-annotator.ts';
import { silentLogger } from '../../../src/observe/logger.ts';
import { waitFor } from '../daemon/harness.ts';
import { ENI_CONFIGS, FakeKubeApi } from './fake-kube-api.ts';

/**
 * src/k8s on the real @kubernetes/client-node against the fake API server: the informers' list +
 * watch (bookmarks, 410 Gone, reconnects across a server restart), the pod annotation, events,
 * the reachability wait and where the configuration comes from.
 */

let api: FakeKubeApi;
let kubeConfig: KubeConfig;
const stops: (() => void)[] = [];

beforeEach(async () => {
  api = await FakeKubeApi.start({ token: 'secret-token' });
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(api.kubeconfig());
});
afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  await api.close();
});

function nodeWatch(name = 'node-a'): NodeWatch {
  const watch = new NodeWatch({
    name,
    core: kubeConfig.makeApiClient(CoreV1Api),
    watch: new Watch(kubeConfig),
    logger: silentLogger(),
  });
  watch.informer.start();
  stops.push(() => watch.informer.stop());
  return watch;
}

/** Recorded watch requests on a path, oldest first. */
const watchRequests = (path: string) =>
  api.requests.filter((r) => r.path === path && r.query.watch === 'true');

describe('the Node informer', () => {
  it('lists this node only, then follows changes from the watch stream', async () => {
    api.putNode('node-a', { labels: { zone: 'a' }, capacityPods: 110 });
    api.putNode('node-b', { labels: { zone: 'b' } });
    const watch = nodeWatch();
    let changes = 0;
    watch.onChange(() => changes++);
    await watch.informer.whenSynced();
    expect(watch.current()).toEqual({
      name: 'node-a',
      labels: { zone: 'a' },
      annotations: {},
      capacityPods: 110,
    });
    await waitFor('the watch', () => (api.watching('/api/v1/nodes') === 1 ? true : undefined));
    const [request] = watchRequests('/api/v1/nodes');
    expect(request?.query).toMatchObject({
      fieldSelector: 'metadata.name=node-a',
      allowWatchBookmarks: 'true',
    });
    const before = changes;
    api.patchNode('node-a', { annotations: { 'k8s.amazonaws.com/eniConfig': 'blue' } });
    api.patchNode('node-b', { labels: { zone: 'c' } });
    await waitFor('the annotation', () =>
      watch.current()?.annotations['k8s.amazonaws.com/eniConfig'] === 'blue' ? true : undefined,
    );
    expect(changes).toBe(before + 1);
    expect(watch.informer.counters.lists).toBe(1);
  });

  it('a node that does not exist: synced, and current() is undefined until it appears', async () => {
    const watch = nodeWatch('late');
    await watch.informer.whenSynced();
    expect(watch.synced).toBe(true);
    expect(watch.current()).toBeUndefined();
    api.putNode('late', { capacityPods: 58 });
    await waitFor('the node', () => watch.current());
    expect(watch.current()?.capacityPods).toBe(58);
  });

  it('a stream the server ends resumes from the last bookmark, without listing again', async () => {
    api.putNode('node-a');
    const watch = nodeWatch();
    await waitFor('the watch', () => (api.watching('/api/v1/nodes') === 1 ? true : undefined));
    api.putNode('other'); // moves the resourceVersion on without an event for node-a
    api.sendBookmarks();
    api.endWatches();
    await waitFor('a second watch', () =>
      watchRequests('/api/v1/nodes').length === 2 ? true : undefined,
    );
    const [first, second] = watchRequests('/api/v1/nodes');
    expect(Number(first!.query.resourceVersion)).toBeLessThan(api.resourceVersion);
    expect(second!.query.resourceVersion).toBe(String(api.resourceVersion));
    expect(watch.informer.counters).toMatchObject({ lists: 1, gone: 0, failures: 0 });
  });

  it('410 Gone (history compacted): lists again and catches up', async () => {
    api.putNode('node-a', { labels: { v: '1' } });
    const watch = nodeWatch();
    await waitFor('the watch', () => (api.watching('/api/v1/nodes') === 1 ? true : undefined));
    api.endWatches();
    api.patchNode('node-a', { labels: { v: '2' } });
    api.compact();
    await waitFor('the relist', () => (watch.informer.counters.lists === 2 ? true : undefined));
    await waitFor('v=2', () => (watch.current()?.labels.v === '2' ? true : undefined));
    expect(watch.informer.counters.gone).toBe(1);
  });

  it('recovers from an API server restart, seeing what changed while it was down', async () => {
    api.putNode('node-a', { labels: { v: '1' } });
    const watch = nodeWatch();
    await waitFor('the watch', () => (api.watching('/api/v1/nodes') === 1 ? true : undefined));
    await api.restart(async () => {
      api.patchNode('node-a', { labels: { v: '2' } });
      // Long enough for the client to notice and fail a reconnect.
      await waitFor('a failed reconnect', () =>
        watch.informer.counters.failures > 0 ? true : undefined,
      );
    });
    await waitFor('v=2 after the restart', () =>
      watch.current()?.labels.v === '2' ? true : undefined,
    );
    await waitFor('watching again', () => (api.watching('/api/v1/nodes') === 1 ? true : undefined));
    api.patchNode('node-a', { labels: { v: '3' } });
    await waitFor('v=3 on the new stream', () =>
      watch.current()?.labels.v === '3' ? true : undefined,
    );
  });
});

describe('the ENIConfig informer', () => {
  it('cluster-scoped objects: created, changed and deleted', async () => {
    api.putEniConfig('us-west-2a', { subnet: 'subnet-1', securityGroups: ['sg-1'] });
    const source = new EniConfigWatch({
      custom: kubeConfig.makeApiClient(CustomObjectsApi),
      watch: new Watch(kubeConfig),
      logger: silentLogger(),
    });
    source.informer.start();
    stops.push(() => source.informer.stop());
    await source.informer.whenSynced();
    expect(source.get('us-west-2a')).toEqual({
      spec: { subnet: 'subnet-1', securityGroups: ['sg-1'] },
    });
    expect(source.get('us-west-2b')).toBeUndefined();
    await waitFor('the watch', () => (api.watching(ENI_CONFIGS) === 1 ? true : undefined));
    api.putEniConfig('us-west-2b', { subnet: 'subnet-2' });
    await waitFor('us-west-2b', () => source.get('us-west-2b'));
    api.deleteEniConfig('us-west-2a');
    await waitFor('us-west-2a gone', () =>
      source.get('us-west-2a') === undefined ? true : undefined,
    );
  });
});

describe('the pod annotation', () => {
  const pod = { namespace: 'default', name: 'web-1' };
  const patcher = () => new PodIpsPatcher(kubeConfig.makeApiClient(CoreV1Api));

  it('sets vpc.amazonaws.com/pod-ips with a merge patch, keeping other annotations', async () => {
    api.putPod('default', 'web-1', { team: 'a' });
    await patcher().setPodIps(pod, '100.64.0.5');
    expect(api.podAnnotations('default', 'web-1')).toEqual({
      team: 'a',
      'vpc.amazonaws.com/pod-ips': '100.64.0.5',
    });
    expect(api.requests.at(-1)?.contentType).toBe('application/merge-patch+json');
  });

  it('clears it only while it still holds the released address; a pod gone is fine', async () => {
    api.putPod('default', 'web-1', { 'vpc.amazonaws.com/pod-ips': '100.64.0.9' });
    await patcher().clearPodIps(pod, '100.64.0.5');
    expect(api.podAnnotations('default', 'web-1')?.['vpc.amazonaws.com/pod-ips']).toBe(
      '100.64.0.9',
    );
    await patcher().clearPodIps(pod, '100.64.0.9');
    expect(api.podAnnotations('default', 'web-1')?.['vpc.amazonaws.com/pod-ips']).toBe('');
    await patcher().clearPodIps({ namespace: 'default', name: 'gone' }, '100.64.0.9');
  });

  it('a pod that is not there: setting rejects with the status', async () => {
    await expect(patcher().setPodIps(pod, '100.64.0.5')).rejects.toMatchObject({ code: 404 });
  });
});

describe('events on the aws-node pod', () => {
  it('a Warning about the pod, each reason and message once in a while', async () => {
    let now = 1_000_000;
    const sink = new PodEventSink({
      core: kubeConfig.makeApiClient(CoreV1Api),
      podName: 'aws-node-x1',
      namespace: 'kube-system',
      nodeName: 'node-a',
      logger: silentLogger(),
      now: () => now,
    });
    sink.warning('MissingIAMPermissions', 'Unauthorized operation: CreateNetworkInterface');
    sink.warning('MissingIAMPermissions', 'Unauthorized operation: CreateNetworkInterface');
    sink.warning('MissingENIConfig', 'no ENIConfig named blue');
    await sink.flush();
    expect(api.events).toHaveLength(2);
    expect(api.events[0]).toMatchObject({
      type: 'Warning',
      reason: 'MissingIAMPermissions',
      message: 'Unauthorized operation: CreateNetworkInterface',
      involvedObject: { kind: 'Pod', name: 'aws-node-x1', namespace: 'kube-system' },
      source: { component: 'aws-node', host: 'node-a' },
      metadata: { namespace: 'kube-system' },
    });
    now += 11 * 60_000;
    sink.warning('MissingIAMPermissions', 'Unauthorized operation: CreateNetworkInterface');
    await sink.flush();
    expect(api.events).toHaveLength(3);
  });

  it('a failed POST is logged, never thrown', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    api.failNext('/api/v1/namespaces/kube-system/events', 403);
    const sink = new PodEventSink({
      core: kubeConfig.makeApiClient(CoreV1Api),
      podName: 'aws-node-x1',
      namespace: 'kube-system',
      nodeName: 'node-a',
      logger,
    });
    sink.warning('MissingENIConfig', 'no ENIConfig named blue');
    await sink.flush();
    expect(lines.join('')).toContain('sending a Kubernetes event failed');
    expect(lines.join('')).toContain('403');
  });
});

describe('reaching the API server', () => {
  it('waits, saying so each time, until /version answers', async () => {
    api.failNext('/version', 503, 2);
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const waited: number[] = [];
    await waitForApiServer({
      kubeConfig,
      server: api.url,
      requiredBy: ['AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true'],
      logger,
      onWaiting: (attempts) => waited.push(attempts),
      sleep: async () => {},
    });
    expect(waited).toEqual([1, 2]);
    const waiting = lines
      .map((l) => JSON.parse(l))
      .filter((l) => l.msg === 'waiting for the Kubernetes API server');
    expect(waiting).toHaveLength(2);
    expect(waiting[0]).toMatchObject({
      server: api.url,
      neededBy: ['AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true'],
    });
  });

  it('credentials the server refuses end the wait with an error naming the server', async () => {
    const wrong = new KubeConfig();
    wrong.loadFromOptions({
      clusters: [{ name: 'c', server: api.url, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'wrong' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    await expect(
      waitForApiServer({
        kubeConfig: wrong,
        server: api.url,
        requiredBy: ['ANNOTATE_POD_IP=true'],
        logger: silentLogger(),
        sleep: async () => {},
      }),
    ).rejects.toThrow(`the Kubernetes API server ${api.url} refused our credentials (401)`);
  });

  it('connectKubernetes with a required setting returns once the node and ENIConfigs are listed', async () => {
    api.putNode('node-a', { labels: { 'k8s.amazonaws.com/eniConfig': 'blue' } });
    api.putEniConfig('blue', { subnet: 'subnet-9' });
    const connection = await connectKubernetes({
      env: { KUBECONFIG: api.kubeconfig() },
      nodeName: 'node-a',
      podName: 'aws-node-x1',
      clusterEndpoint: '',
      customNetworking: true,
      annotatePodIp: false,
      requiredBy: ['AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true'],
      logger: silentLogger(),
    });
    stops.push(() => connection.close());
    expect(connection.nodeInfo?.current()?.labels).toEqual({
      'k8s.amazonaws.com/eniConfig': 'blue',
    });
    expect(connection.eniConfigs?.get('blue')).toEqual({ spec: { subnet: 'subnet-9' } });
    expect(connection.podAnnotator).toBeUndefined();
    expect(connection.events).toBeDefined();
  });
});

describe('where the API configuration comes from', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sa-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("in a pod: the service account's token file, CA and namespace", () => {
    writeFileSync(join(dir, 'namespace'), 'aws-cni\n');
    const loaded = loadKubeConfig(
      { KUBERNETES_SERVICE_HOST: '10.100.0.1', KUBERNETES_SERVICE_PORT: '443' },
      { clusterEndpoint: '', serviceAccountDir: dir },
    );
    expect(loaded.server).toBe('https://10.100.0.1:443');
    expect(loaded.namespace).toBe('aws-cni');
    expect(loaded.source).toBe('in-cluster service account');
    expect(loaded.kubeConfig.getCurrentCluster()?.caFile).toBe(join(dir, 'ca.crt'));
    expect(loaded.kubeConfig.getCurrentUser()?.authProvider).toEqual({
      name: 'tokenFile',
      config: { tokenFile: join(dir, 'token') },
    });
  });

  it('CLUSTER_ENDPOINT replaces the server; KUBECONFIG wins over the pod environment', () => {
    const loaded = loadKubeConfig(
      { KUBECONFIG: api.kubeconfig(), KUBERNETES_SERVICE_HOST: '10.100.0.1' },
      { clusterEndpoint: 'https://eks.example:443', serviceAccountDir: dir },
    );
    expect(loaded.server).toBe('https://eks.example:443');
    expect(loaded.source).toBe(
      `KUBECONFIG=${api.kubeconfig()} with CLUSTER_ENDPOINT=https://eks.example:443`,
    );
    expect(loaded.namespace).toBe('kube-system');
  });

  it('a KUBECONFIG that does not exist, or nothing at all: errors that say what to set', () => {
    expect(() =>
      loadKubeConfig({ KUBECONFIG: join(dir, 'absent') }, { clusterEndpoint: '' }),
    ).toThrow(`KUBECONFIG=${join(dir, 'absent')}: no such file`);
    expect(() => loadKubeConfig({}, { clusterEndpoint: '' })).toThrow(
      'no Kubernetes API configured: run in a pod or set KUBECONFIG',
    );
  });
});
