import { describe, expect, it } from 'vitest';
import { daemonEnvironment } from '../../../src/tools/demo/daemon-env.ts';
import { defaultPeak, parseDemoArgs } from '../../../src/tools/demo/demo-options.ts';
import { LatencyStats } from '../../../src/tools/demo/latency-stats.ts';
import { LiveView, renderLine } from '../../../src/tools/demo/live-view.ts';
import { parseNodeStats } from '../../../src/tools/demo/node-stats.ts';
import { addRequest, delRequest, PodFactory } from '../../../src/tools/demo/pod-identity.ts';
import { VERSION } from '../../../src/version.ts';

/** The demo's pure parts (kept here with the demo's other tests). */

function sink() {
  let text = '';
  return {
    stream: {
      write: (chunk: string) => {
        text += chunk;
        return true;
      },
    } as unknown as NodeJS.WritableStream,
    get text() {
      return text;
    },
  };
}

describe('demo options', () => {
  it('defaults to m5.large, 20 pods in bursts of 5, no duration', () => {
    expect(parseDemoArgs([], {})).toEqual({
      ok: true,
      options: {
        instanceType: 'm5.large',
        pods: 20,
        burst: 5,
        durationSeconds: undefined,
        keep: false,
        daemonSettings: {},
      },
    });
  });

  it('passes only the pool settings through to the daemon', () => {
    const parsed = parseDemoArgs(['--pods', '8', '--duration=30'], {
      WARM_IP_TARGET: '3',
      WARM_POOL_MODE: 'interval',
      AWS_ACCESS_KEY_ID: 'real-key',
      NODE_OPTIONS: '--inspect',
    });
    expect(parsed).toMatchObject({
      ok: true,
      options: {
        pods: 8,
        burst: 2,
        durationSeconds: 30,
        daemonSettings: { WARM_IP_TARGET: '3', WARM_POOL_MODE: 'interval' },
      },
    });
  });

  it('rejects bad input, naming it', () => {
    expect(parseDemoArgs(['--pods', '0'], {})).toEqual({
      ok: false,
      error: "--pods must be a whole number from 1 to 2000, got '0'",
    });
    expect(parseDemoArgs(['--instance-type', 'q9.nano'], {})).toEqual({
      ok: false,
      error: "unknown instance type 'q9.nano'",
    });
    expect(parseDemoArgs(['--duration', '2s'], {})).toEqual({
      ok: false,
      error: "--duration must be a whole number from 1 to 604800, got '2s'",
    });
  });

  it('peaks at 3/4 of what the ENIs hold, at most 20', () => {
    expect(defaultPeak('t3.small')).toBe(6); // 0.75 × 3 × 3
    expect(defaultPeak('m5.large')).toBe(20); // 0.75 × 27 = 20.25
    expect(defaultPeak('p3dn.24xlarge')).toBe(20);
  });
});

describe('daemon environment', () => {
  it('is PATH, the simulator, dummy credentials, temp files and free ports; settings cannot override those', () => {
    const env = daemonEnvironment(
      {
        ec2Endpoint: 'http://127.0.0.1:1',
        imdsEndpoint: 'http://127.0.0.1:2',
        region: 'us-west-2',
      },
      { socket: '/t/s.sock', checkpoint: '/t/ipam.json', log: '/t/ipamd.log' },
      {
        WARM_IP_TARGET: '3',
        AWS_EC2_ENDPOINT: 'https://ec2.real',
        AWS_VPC_K8S_CNI_LOGLEVEL: 'debug',
      },
      '/usr/bin',
    );
    expect(env).toEqual({
      AWS_VPC_K8S_CNI_LOGLEVEL: 'debug',
      WARM_IP_TARGET: '3',
      PATH: '/usr/bin',
      AWS_EC2_ENDPOINT: 'http://127.0.0.1:1',
      AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:2',
      AWS_REGION: 'us-west-2',
      AWS_ACCESS_KEY_ID: 'AKIDVPCIPAMDDEMO',
      AWS_SECRET_ACCESS_KEY: 'vpc-ipamd-demo',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      DISABLE_HOST_NETWORKING: 'true',
      IPAMD_GRPC_SOCKET: '/t/s.sock',
      AWS_VPC_K8S_CNI_BACKING_STORE: '/t/ipam.json',
      AWS_VPC_K8S_CNI_LOG_FILE: '/t/ipamd.log',
      METRICS_BIND_ADDRESS: '127.0.0.1:0',
      INTROSPECTION_BIND_ADDRESS: '127.0.0.1:0',
    });
  });
});

describe('live view', () => {
  const state = {
    elapsedMs: 83_400,
    phase: 'churn' as const,
    running: 18,
    wanted: 20,
    node: { assignedIps: 18, totalIps: 27, enis: 3 },
    ec2Calls: 31,
    failedAdds: 2,
    addP50Ms: 41.6,
    addMaxMs: 8_140,
  };

  it('renders one line', () => {
    expect(renderLine(state)).toBe(
      '1:23  churn       pods 18/20  IPs 18/27  ENIs 3  EC2 calls 31  failed ADDs 2  ADD p50 42ms max 8.1s',
    );
    expect(
      renderLine({ ...state, node: undefined, addP50Ms: undefined, addMaxMs: undefined }),
    ).toBe(
      '1:23  churn       pods 18/20  IPs -  ENIs -  EC2 calls 31  failed ADDs 2  ADD p50 - max -',
    );
  });

  it('redraws in place on a terminal and ends the line on finish', () => {
    const out = sink();
    const view = new LiveView(out.stream, true);
    view.update('a', 0);
    view.update('b', 10);
    view.finish('c');
    expect(out.text).toBe('\r\x1b[2Ka\r\x1b[2Kb\r\x1b[2Kc\n');
  });

  it('prints at most one line per period elsewhere', () => {
    const out = sink();
    const view = new LiveView(out.stream, false, 1_000);
    view.update('a', 0);
    view.update('b', 500);
    view.update('c', 1_000);
    view.finish('d');
    expect(out.text).toBe('a\nc\nd\n');
  });
});

describe('node stats and latency', () => {
  it('reads the three gauges from the metrics page', () => {
    const page = [
      '# HELP awscni_assigned_ip_addresses x',
      'awscni_assigned_ip_addresses 12',
      'awscni_total_ip_addresses 27',
      'awscni_eni_allocated 3',
      'awscni_eni_max 3',
    ].join('\n');
    expect(parseNodeStats(page)).toEqual({ assignedIps: 12, totalIps: 27, enis: 3 });
    expect(parseNodeStats('awscni_total_ip_addresses 27\n')).toBeUndefined();
  });

  it('median of the recent window, maximum of all', () => {
    const stats = new LatencyStats(3);
    expect(stats.p50()).toBeUndefined();
    for (const ms of [9_000, 10, 30, 20]) stats.add(ms);
    expect(stats.p50()).toBe(20);
    expect(stats.maximum()).toBe(9_000);
  });
});

describe('pod identities', () => {
  it('look like Deployment pods and carry this build as the plugin version', () => {
    const pod = new PodFactory(() => 0.5).next();
    expect(pod.name).toMatch(
      /^[a-z-]+-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/,
    );
    expect(pod.containerId).toMatch(/^[0-9a-f]{64}$/);
    const add = addRequest(pod);
    expect(add).toMatchObject({
      K8S_POD_NAME: pod.name,
      ContainerID: pod.containerId,
      IfName: 'eth0',
      NetworkName: 'aws-cni',
      ClientVersion: VERSION,
    });
    expect(delRequest(pod)).toMatchObject({ ContainerID: pod.containerId, Reason: 'PodDeleted' });
  });
});
