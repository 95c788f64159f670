import { describe, expect, it } from 'vitest';
import { parseCniArgs } from '../../../cni-shim/protocol/cni-args.ts';
import { readCniEnvironment } from '../../../cni-shim/protocol/cni-env.ts';
import { CniError, encodeCniError } from '../../../cni-shim/protocol/cni-error.ts';
import { clampMtu, parseNetConf, requiresMultiNic } from '../../../cni-shim/protocol/netconf.ts';
import { requireSupported, versionInfo } from '../../../cni-shim/protocol/versions.ts';

function cniError(run: () => unknown): CniError {
  try {
    run();
  } catch (error) {
    if (error instanceof CniError) return error;
    throw error;
  }
  throw new Error('no CniError thrown');
}

const ADD_ENV = {
  CNI_COMMAND: 'ADD',
  CNI_CONTAINERID: 'abc123',
  CNI_NETNS: '/var/run/netns/cni-1',
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin',
  CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web',
};

describe('CNI environment', () => {
  it('reads every variable of an ADD', () => {
    expect(readCniEnvironment(ADD_ENV)).toEqual({
      command: 'ADD',
      containerId: 'abc123',
      netns: '/var/run/netns/cni-1',
      ifName: 'eth0',
      args: ADD_ENV.CNI_ARGS,
      path: '/opt/cni/bin',
    });
  });

  it('no CNI_COMMAND: run by hand (undefined, no error)', () => {
    expect(readCniEnvironment({})).toBeUndefined();
  });

  it('names the missing variables (code 4); DEL may have no netns; VERSION needs none', () => {
    const missing = cniError(() => readCniEnvironment({ CNI_COMMAND: 'ADD', CNI_IFNAME: 'eth0' }));
    expect(missing.code).toBe(4);
    expect(missing.message).toBe(
      'required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_PATH] missing',
    );
    expect(readCniEnvironment({ ...ADD_ENV, CNI_COMMAND: 'DEL', CNI_NETNS: '' })?.netns).toBe('');
    expect(readCniEnvironment({ CNI_COMMAND: 'VERSION' })?.command).toBe('VERSION');
    expect(readCniEnvironment({ CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' })?.command).toBe('GC');
  });

  it('refuses an unknown command, a bad container ID, interface name or netns path', () => {
    expect(cniError(() => readCniEnvironment({ ...ADD_ENV, CNI_COMMAND: 'PATCH' })).message).toBe(
      'unknown CNI_COMMAND "PATCH" (want one of ADD, DEL, CHECK, VERSION, STATUS, GC)',
    );
    expect(cniError(() => readCniEnvironment({ ...ADD_ENV, CNI_CONTAINERID: '-x' })).message).toBe(
      'invalid characters in containerID "-x"',
    );
    for (const [name, why] of [
      ['a-very-long-interface', 'is longer than 15 bytes'],
      ['..', 'is "." or ".."'],
      ['eth/0', 'contains "/", ":" or whitespace'],
      ['eth 0', 'contains "/", ":" or whitespace'],
    ]) {
      const error = cniError(() => readCniEnvironment({ ...ADD_ENV, CNI_IFNAME: name }));
      expect(error.code).toBe(4);
      expect(error.message).toBe(`interface name "${name}" ${why}`);
    }
    expect(cniError(() => readCniEnvironment({ ...ADD_ENV, CNI_NETNS: 'netns/x' })).message).toBe(
      'CNI_NETNS "netns/x" is not an absolute path',
    );
  });
});

describe('CNI_ARGS', () => {
  it('any order, with IgnoreUnknown (1 or true, any case) skipping what is not ours', () => {
    const args = parseCniArgs(
      'K8S_POD_UID=u-1;IgnoreUnknown=TRUE;K8S_POD_NAME=web;Other=x;K8S_POD_INFRA_CONTAINER_ID=c1;K8S_POD_NAMESPACE=prod',
    );
    expect(args).toEqual({
      K8S_POD_NAME: 'web',
      K8S_POD_NAMESPACE: 'prod',
      K8S_POD_INFRA_CONTAINER_ID: 'c1',
      K8S_POD_UID: 'u-1',
    });
    expect(parseCniArgs('')).toEqual({
      K8S_POD_NAME: '',
      K8S_POD_NAMESPACE: '',
      K8S_POD_INFRA_CONTAINER_ID: '',
      K8S_POD_UID: '',
    });
  });

  it('an unknown key without IgnoreUnknown, or a malformed pair, is error code 4', () => {
    const unknown = cniError(() => parseCniArgs('K8S_POD_NAME=web;Color=blue'));
    expect(unknown.code).toBe(4);
    expect(unknown.message).toBe(
      'CNI_ARGS: unknown argument "Color" (and IgnoreUnknown is not set)',
    );
    expect(cniError(() => parseCniArgs('IgnoreUnknown=0;Color=blue')).code).toBe(4);
    expect(cniError(() => parseCniArgs('K8S_POD_NAME')).message).toBe(
      'CNI_ARGS: invalid pair "K8S_POD_NAME" (want KEY=VALUE)',
    );
    expect(cniError(() => parseCniArgs('A=b=c')).message).toBe(
      'CNI_ARGS: invalid pair "A=b=c" (want KEY=VALUE)',
    );
  });
});

describe('network configuration', () => {
  const minimal = { cniVersion: '0.4.0', name: 'aws-cni', type: 'aws-cni' };
  const parse = (config: object, needsName = true) =>
    parseNetConf(JSON.stringify(config), needsName);

  it('applies the reference defaults', () => {
    expect(parse(minimal)).toEqual({
      cniVersion: '0.4.0',
      name: 'aws-cni',
      type: 'aws-cni',
      vethPrefix: 'eni',
      mtu: 9001,
      podSGEnforcingMode: 'strict',
      pluginLogFile: '/var/log/aws-routed-eni/plugin.log',
      pluginLogLevel: 'Debug',
      podAnnotations: {},
      prevResult: undefined,
      validAttachments: [],
      ipamdSocket: '/var/run/aws-node/ipamd.sock',
      npAgentSocket: '/var/run/aws-node/npa.sock',
    });
  });

  it('the MTU clamp: an integer in [576, 9001], else 9001', () => {
    expect(clampMtu('1500')).toBe(1500);
    expect(clampMtu('576')).toBe(576);
    expect(clampMtu('575')).toBe(9001);
    expect(clampMtu('9002')).toBe(9001);
    expect(clampMtu('1500.5')).toBe(9001);
    expect(clampMtu('abc')).toBe(9001);
    expect(clampMtu(undefined)).toBe(9001);
    expect(clampMtu(1300)).toBe(1300);
  });

  it('refuses a long veth prefix, an unknown SG mode, a missing or bad name (code 7)', () => {
    for (const [config, message] of [
      [{ ...minimal, vethPrefix: 'abcde' }, 'vethPrefix "abcde" is longer than 4 characters'],
      [
        { ...minimal, podSGEnforcingMode: 'loose' },
        'podSGEnforcingMode "loose" must be "strict" or "standard"',
      ],
      [{ cniVersion: '0.4.0' }, 'missing network name'],
      [{ ...minimal, name: '-net' }, 'invalid characters in network name "-net"'],
      [
        { ...minimal, ipamdSocket: 'run/ipamd.sock' },
        '"ipamdSocket" must be an absolute path, not "run/ipamd.sock"',
      ],
      [{ ...minimal, mtu: [] }, undefined],
    ] as const) {
      if (message === undefined) {
        expect(parse(config).mtu).toBe(9001);
        continue;
      }
      const error = cniError(() => parse(config));
      expect(error.code).toBe(7);
      expect(error.message).toBe(message);
    }
    // GC and STATUS carry no attachment, so no name is needed there.
    expect(parse({ cniVersion: '1.1.0' }, false).name).toBe('');
  });

  it('stdin that is not JSON, or not an object, is code 6', () => {
    const error = cniError(() => parseNetConf('{"cniVersion":', true));
    expect(error.code).toBe(6);
    expect(error.message).toMatch(/^the network configuration on stdin is not JSON: /);
    expect(cniError(() => parseNetConf('[1]', true)).message).toBe(
      'the network configuration is not a JSON object',
    );
  });

  it('reads pod annotations (multi-NIC), port mappings of either spelling, GC attachments', () => {
    const conf = parse({
      ...minimal,
      runtimeConfig: {
        'io.kubernetes.cri.pod-annotations': {
          'k8s.amazonaws.com/nicConfig': 'multi-nic-attachment',
        },
        portMappings: [
          { HostPort: 8080, ContainerPort: 80, Protocol: 'tcp' },
          { hostPort: 8443, containerPort: 443, protocol: 'tcp' },
        ],
      },
      'cni.dev/attachments': [{ containerID: 'c1', ifname: 'eth0' }],
    });
    expect(requiresMultiNic(conf)).toBe(true);
    expect(conf.validAttachments).toEqual([{ containerId: 'c1', ifName: 'eth0' }]);
    const other = parse({
      ...minimal,
      runtimeConfig: {
        'io.kubernetes.cri.pod-annotations': { 'k8s.amazonaws.com/nicConfig': 'yes' },
      },
    });
    expect(requiresMultiNic(other)).toBe(false);
    expect(
      cniError(() => parse({ ...minimal, 'cni.dev/valid-attachments': [{ containerID: 1 }] }))
        .message,
    ).toBe('"cni.dev/valid-attachments"[0] needs string "containerID" and "ifname"');
  });
});

describe('versions and errors', () => {
  it('VERSION answers every supported version in the version asked about', () => {
    expect(JSON.parse(versionInfo('1.0.0'))).toEqual({
      cniVersion: '1.0.0',
      supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
    });
  });

  it('an unknown configuration version is code 1, naming both sides', () => {
    const error = cniError(() => requireSupported('2.0.0'));
    expect(error.code).toBe(1);
    expect(error.message).toBe(
      'incompatible CNI versions: config is "2.0.0", plugin supports ["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]',
    );
  });

  it('the error JSON of the specification, details only when there are some', () => {
    expect(JSON.parse(encodeCniError(new CniError(999, 'add cmd: boom', 'why'), '0.4.0'))).toEqual({
      cniVersion: '0.4.0',
      code: 999,
      msg: 'add cmd: boom',
      details: 'why',
    });
    expect(JSON.parse(encodeCniError(new CniError(4, 'x'), '1.0.0'))).toEqual({
      cniVersion: '1.0.0',
      code: 4,
      msg: 'x',
    });
  });
});
