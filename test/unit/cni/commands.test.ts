import { describe, expect, it } from 'vitest';
import { dummyInterfaceName } from '../../../cni-shim/network/pod-interfaces.ts';
import { podVethName } from '../../../src/ipam/pod-veth-name.ts';
import { VERSION } from '../../../src/version.ts';
import { GRPC_STATUS } from '../../../src/wire/grpc-status.ts';
import { CNI_BACKEND, HEALTH, NP_BACKEND, POD_ALLOCATIONS } from '../../../src/wire/methods.ts';
import { UNKNOWN_POD_ERROR } from '../../../src/wire/reference-errors.ts';
import type { AddNetworkReply, DelNetworkReply } from '../../../src/wire/rpc-messages.ts';
import { failed, invoke, ok, RecordingIp, ScriptedChannel } from './fakes.ts';

const ENV = {
  CNI_COMMAND: 'ADD',
  CNI_CONTAINERID: 'c0ffee',
  CNI_NETNS: '/var/run/netns/pod-1',
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin',
  CNI_ARGS:
    'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=c0ffee;K8S_POD_UID=uid-1',
};
const CONFIG = { cniVersion: '0.4.0', name: 'aws-cni', type: 'aws-cni', mtu: '1500' };
const HOST_VETH = podVethName('eni', 'default', 'web');
const DUMMY = dummyInterfaceName('default', 'web');

function addReply(overrides: Partial<AddNetworkReply> = {}): AddNetworkReply {
  return {
    Success: true,
    IPAllocationMetadata: [
      { IPv4Addr: '10.0.1.7', IPv6Addr: '', DeviceNumber: 1, RouteTableId: 2 },
    ],
    UseExternalSNAT: false,
    VPCv4CIDRs: ['10.0.0.0/16'],
    VPCv6CIDRs: [],
    PodVlanId: 0,
    PodENIMAC: '',
    PodENISubnetGW: '',
    ParentIfIndex: 0,
    NetworkPolicyMode: '',
    ...overrides,
  };
}

function delReply(overrides: Partial<DelNetworkReply> = {}): DelNetworkReply {
  return {
    Success: true,
    IPAllocationMetadata: [
      { IPv4Addr: '10.0.1.7', IPv6Addr: '', DeviceNumber: 1, RouteTableId: 2 },
    ],
    PodVlanId: 0,
    NetworkPolicyMode: '',
    ...overrides,
  };
}

/** The reference's result for the pod of ENV with 10.0.1.7 on device 1, table 2. */
const PREV_RESULT = {
  cniVersion: '0.4.0',
  interfaces: [
    { name: HOST_VETH },
    { name: 'eth0', sandbox: '/var/run/netns/pod-1', mac: '2' },
    { name: DUMMY, mac: '0', sandbox: '1' },
  ],
  ips: [{ version: '4', interface: 1, address: '10.0.1.7/32' }],
  // Go marshals the empty DNS struct too; the reference's result always carries it.
  dns: {},
};

describe('ADD', () => {
  it('asks ipamd with the reference field set, plumbs the pod, prints the reference result', async () => {
    const ipamd = new ScriptedChannel().answer(CNI_BACKEND.AddNetwork, () => ok(addReply()));
    const run = await invoke(ENV, CONFIG, { ipamd });
    expect(run.code).toBe(0);
    expect(run.ipamd.calls).toEqual([
      {
        path: '/rpc.CNIBackend/AddNetwork',
        request: {
          ClientVersion: VERSION,
          K8S_POD_NAME: 'web',
          K8S_POD_NAMESPACE: 'default',
          K8S_POD_INFRA_CONTAINER_ID: 'c0ffee',
          ContainerID: 'c0ffee',
          IfName: 'eth0',
          NetworkName: 'aws-cni',
          Netns: '/var/run/netns/pod-1',
          RequiresMultiNICAttachment: false,
        },
        deadlineMs: undefined,
      },
    ]);
    // Two ip processes: the pod side, then the host side.
    const [pod] = run.ip.batches;
    const [host] = run.ip.forced;
    expect(run.ip.batches).toHaveLength(1);
    expect(run.ip.forced).toHaveLength(1);
    expect(pod!.netns).toBe('/var/run/netns/pod-1');
    expect(pod!.lines[0]).toMatch(
      new RegExp(
        `^link add eth0 mtu 1500 type veth peer name ${HOST_VETH} mtu 1500 address (0[26ae]|[0-9a-f][26ae]):([0-9a-f]{2}:){4}[0-9a-f]{2} netns 4242$`,
      ),
    );
    const mac = pod!.lines[0]!.split(' address ')[1]!.split(' ')[0]!;
    expect(pod!.lines.slice(1)).toEqual([
      'link set eth0 up',
      'route replace 169.254.1.1/32 dev eth0 scope link',
      'route replace default via 169.254.1.1 dev eth0',
      'addr add 10.0.1.7/32 dev eth0',
      `neigh replace 169.254.1.1 dev eth0 lladdr ${mac} nud permanent`,
    ]);
    expect(host).toEqual({
      netns: undefined,
      lines: [
        // What an earlier holder of the address may have left.
        'rule del to 10.0.1.7/32 priority 512 table main',
        'rule del from 10.0.1.7/32 priority 1536',
        'rule del from 10.0.1.7/32 priority 1536',
        'rule del from 10.0.1.7/32 priority 1536',
        'rule del from 10.0.1.7/32 priority 1536',
        `link set ${HOST_VETH} up`,
        `route replace 10.0.1.7/32 dev ${HOST_VETH} scope link table main`,
        'rule add to 10.0.1.7/32 table main priority 512',
        'rule add from 10.0.1.7/32 table 2 priority 1536',
      ],
    });
    expect(JSON.parse(run.stdout)).toEqual(PREV_RESULT);
    expect(run.ipamd.closed).toBe(true);
  });

  it('a host MAC is never one the host already has; a stale veth of the same name is deleted first', async () => {
    const ipamd = new ScriptedChannel().answer(CNI_BACKEND.AddNetwork, () => ok(addReply()));
    const ip = new RecordingIp();
    ip.links = [{ ifname: HOST_VETH, address: '02:00:00:00:00:01' }];
    const run = await invoke(ENV, CONFIG, { ipamd, ip });
    expect(run.code).toBe(0);
    expect(run.ip.forced[0]!.lines[0]).toBe(`link del ${HOST_VETH}`);
  });

  it('host side: rules that are not there to delete, or already there to add, are not failures; anything else is, and is undone', async () => {
    const ipamd = () =>
      new ScriptedChannel()
        .answer(CNI_BACKEND.AddNetwork, () => ok(addReply()))
        .answer(CNI_BACKEND.DelNetwork, () => ok(delReply()));
    const failuresOf = (lines: readonly string[], wanted: (line: string) => string | undefined) =>
      lines.flatMap((command, i) => {
        const message = wanted(command);
        return message === undefined ? [] : [{ line: i + 1, command, message }];
      });
    const benign = new RecordingIp();
    benign.forceFailures = (lines) =>
      failuresOf(lines, (line) =>
        line.startsWith('rule del')
          ? 'RTNETLINK answers: No such file or directory'
          : line.startsWith('rule add')
            ? 'RTNETLINK answers: File exists'
            : undefined,
      );
    const ok1 = await invoke(ENV, CONFIG, { ipamd: ipamd(), ip: benign });
    expect(ok1.code).toBe(0);
    expect(ok1.ip.forced).toHaveLength(1);

    const refused = new RecordingIp();
    refused.forceFailures = (lines) =>
      lines.length > 6 // the set-up's host side, not the undo
        ? failuresOf(lines, (line) =>
            line.startsWith('rule add to')
              ? 'RTNETLINK answers: No buffer space available'
              : undefined,
          )
        : [];
    const failed = await invoke(ENV, CONFIG, { ipamd: ipamd(), ip: refused });
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).msg).toBe(
      'add cmd: failed to setup network: host: "ip rule add to 10.0.1.7/32 table main priority 512" failed: RTNETLINK answers: No buffer space available',
    );
    expect(failed.ip.forced.at(-1)!.lines[0]).toBe(`link del ${HOST_VETH}`);
    expect(failed.ipamd.calls[1]!.request).toMatchObject({ Reason: 'SetupNSFailed' });
  });

  it('a gRPC error, or Success=false, fails with the reference messages and plumbs nothing', async () => {
    const down = await invoke(ENV, CONFIG);
    expect(down.code).toBe(1);
    expect(JSON.parse(down.stdout)).toEqual({
      cniVersion: '0.4.0',
      code: 999,
      msg: 'add cmd: Error received from AddNetwork gRPC call',
      details: 'cannot connect: no such socket',
    });
    const refused = await invoke(ENV, CONFIG, {
      ipamd: new ScriptedChannel().answer(CNI_BACKEND.AddNetwork, () =>
        ok(addReply({ Success: false })),
      ),
    });
    expect(JSON.parse(refused.stdout)).toMatchObject({
      code: 999,
      msg: 'add cmd: failed to assign an IP address to container',
    });
    expect([...down.ip.batches, ...refused.ip.batches]).toEqual([]);
  });

  it('a plumbing failure undoes what was built and gives the address back (SetupNSFailed)', async () => {
    const ipamd = new ScriptedChannel()
      .answer(CNI_BACKEND.AddNetwork, () => ok(addReply()))
      .answer(CNI_BACKEND.DelNetwork, () => ok(delReply()));
    const ip = new RecordingIp();
    ip.failBatchIn = '/var/run/netns/pod-1';
    const run = await invoke(ENV, CONFIG, { ipamd, ip });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).msg).toBe(
      `add cmd: failed to setup network: pod netns /var/run/netns/pod-1: "ip link add eth0 mtu 1500 type veth peer name ${HOST_VETH} mtu 1500 address ${run.ip.batches[0]!.lines[0]!.split(' address ')[1]!.split(' ')[0]} netns 4242" failed: RTNETLINK answers: File exists`,
    );
    const undo = run.ip.forced.at(-1)!.lines;
    expect(undo[0]).toBe(`link del ${HOST_VETH}`);
    expect(undo).toContain('rule del to 10.0.1.7/32 priority 512 table main');
    expect(undo).toContain('route del 10.0.1.7/32 table main');
    expect(run.ipamd.paths()).toEqual(['/rpc.CNIBackend/AddNetwork', '/rpc.CNIBackend/DelNetwork']);
    expect(run.ipamd.calls[1]!.request).toMatchObject({
      Reason: 'SetupNSFailed',
      K8S_POD_UID: 'uid-1',
    });
  });

  it('a branch-ENI answer is refused the same way: the address goes back', async () => {
    const ipamd = new ScriptedChannel()
      .answer(CNI_BACKEND.AddNetwork, () => ok(addReply({ PodVlanId: 5 })))
      .answer(CNI_BACKEND.DelNetwork, () => ok(delReply()));
    const run = await invoke(ENV, CONFIG, { ipamd });
    expect(JSON.parse(run.stdout).msg).toBe(
      'add cmd: failed to setup network: a branch-ENI pod (security groups for pods) is not supported by this plugin',
    );
    expect(run.ipamd.paths()).toContain('/rpc.CNIBackend/DelNetwork');
  });

  it('with a network-policy mode the agent must enforce; when it cannot, the ADD fails and the address stays', async () => {
    const ipamd = new ScriptedChannel().answer(CNI_BACKEND.AddNetwork, () =>
      ok(addReply({ NetworkPolicyMode: 'standard' })),
    );
    const unreachable = await invoke(ENV, CONFIG, { ipamd });
    expect(unreachable.code).toBe(1);
    expect(JSON.parse(unreachable.stdout)).toMatchObject({
      msg: 'add cmd: failed to setup network policy',
    });
    expect(unreachable.npAgent.calls[0]).toMatchObject({
      path: '/rpc.NPBackend/EnforceNpToPod',
      request: {
        K8S_POD_NAME: 'web',
        K8S_POD_NAMESPACE: 'default',
        NETWORK_POLICY_MODE: 'standard',
        InterfaceCount: 1,
      },
      deadlineMs: 2000,
    });
    expect(unreachable.ipamd.paths()).not.toContain('/rpc.CNIBackend/DelNetwork');
    const npAgent = new ScriptedChannel().answer(NP_BACKEND.EnforceNpToPod, () =>
      ok({ Success: true }),
    );
    const enforced = await invoke(ENV, CONFIG, { ipamd, npAgent });
    expect(enforced.code).toBe(0);
  });
});

describe('DEL (the reference decision table)', () => {
  const DEL = { ...ENV, CNI_COMMAND: 'DEL' };

  it('ipamd released the address: its rules and route are removed', async () => {
    const ipamd = new ScriptedChannel().answer(CNI_BACKEND.DelNetwork, () => ok(delReply()));
    const run = await invoke(DEL, { ...CONFIG, prevResult: PREV_RESULT }, { ipamd });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.ipamd.calls[0]!.request).toMatchObject({
      Reason: 'PodDeleted',
      K8S_POD_UID: 'uid-1',
      NetworkName: 'aws-cni',
    });
    expect(run.ip.forced[0]!.lines).toEqual([
      'rule del to 10.0.1.7/32 priority 512 table main',
      'rule del from 10.0.1.7/32 priority 1536',
      'rule del from 10.0.1.7/32 priority 1536',
      'rule del from 10.0.1.7/32 priority 1536',
      'rule del from 10.0.1.7/32 priority 1536',
      'route del 10.0.1.7/32 table main',
    ]);
  });

  it("unknown pod (a repeated DEL, or the runtime's second DEL without netns): success, nothing else", async () => {
    const ipamd = new ScriptedChannel().answer(CNI_BACKEND.DelNetwork, () =>
      failed(GRPC_STATUS.UNKNOWN, UNKNOWN_POD_ERROR),
    );
    const run = await invoke({ ...DEL, CNI_NETNS: '' }, CONFIG, { ipamd });
    expect(run.code).toBe(0);
    expect(run.ip.forced).toEqual([]);
  });

  it('ipamd unreachable or any other error: tear down from prevResult, succeed regardless', async () => {
    const down = await invoke(DEL, { ...CONFIG, prevResult: PREV_RESULT });
    expect(down.code).toBe(0);
    expect(down.ip.forced[0]!.lines).toContain('rule del from 10.0.1.7/32 priority 1536');
    const refusedVersion = await invoke(
      DEL,
      { ...CONFIG },
      {
        ipamd: new ScriptedChannel().answer(CNI_BACKEND.DelNetwork, () =>
          failed(GRPC_STATUS.FAILED_PRECONDITION, 'wrong client version'),
        ),
      },
    );
    expect(refusedVersion.code).toBe(0);
    expect(refusedVersion.ip.forced).toEqual([]);
  });

  it('Success=false without an error fails; a rule that will not go fails; a route that will not only warns', async () => {
    const refused = await invoke(DEL, CONFIG, {
      ipamd: new ScriptedChannel().answer(CNI_BACKEND.DelNetwork, () =>
        ok(delReply({ Success: false })),
      ),
    });
    expect(JSON.parse(refused.stdout)).toMatchObject({
      code: 999,
      msg: 'del cmd: failed to process delete request',
    });

    const ipamd = new ScriptedChannel().answer(CNI_BACKEND.DelNetwork, () => ok(delReply()));
    const ruleStuck = new RecordingIp();
    ruleStuck.forceFailures = () => [
      {
        line: 1,
        command: 'rule del to 10.0.1.7/32 priority 512 table main',
        message: 'RTNETLINK answers: Operation not permitted',
      },
    ];
    const failedRule = await invoke(DEL, CONFIG, { ipamd, ip: ruleStuck });
    expect(JSON.parse(failedRule.stdout).msg).toBe(
      'del cmd: failed to tear down the pod network: "ip rule del to 10.0.1.7/32 priority 512 table main": RTNETLINK answers: Operation not permitted',
    );
    const routeStuck = new RecordingIp();
    routeStuck.forceFailures = (lines) => [
      {
        line: lines.length,
        command: lines.at(-1)!,
        message: 'RTNETLINK answers: Operation not permitted',
      },
    ];
    expect((await invoke(DEL, CONFIG, { ipamd, ip: routeStuck })).code).toBe(0);
  });

  it('a branch-ENI pod is torn down from prevResult without ipamd; no netns: nothing to do; a bad VLAN fails', async () => {
    const branchResult = {
      ...PREV_RESULT,
      interfaces: [PREV_RESULT.interfaces[0], PREV_RESULT.interfaces[1], { name: DUMMY, mac: '7' }],
    };
    const run = await invoke(DEL, { ...CONFIG, prevResult: branchResult });
    expect(run.code).toBe(0);
    expect(run.ipamd.calls).toEqual([]);
    expect(run.ip.forced[0]!.lines.slice(0, 2)).toEqual([
      'link del vlan.eth.7',
      'rule del priority 10 table 107',
    ]);
    const gone = await invoke({ ...DEL, CNI_NETNS: '' }, { ...CONFIG, prevResult: branchResult });
    expect(gone.code).toBe(0);
    expect(gone.ip.forced).toEqual([]);
    const bad = await invoke(DEL, {
      ...CONFIG,
      prevResult: {
        ...branchResult,
        interfaces: [...branchResult.interfaces.slice(0, 2), { name: DUMMY, mac: 'x' }],
      },
    });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).msg).toBe(
      `del cmd: failed to parse VLAN ID "x" of ${DUMMY} in prevResult`,
    );
  });

  it('with a network-policy mode: an unreachable agent fails the DEL (the retry then finds an unknown pod)', async () => {
    const ipamd = new ScriptedChannel().answer(CNI_BACKEND.DelNetwork, () =>
      ok(delReply({ NetworkPolicyMode: 'strict' })),
    );
    const run = await invoke(DEL, CONFIG, { ipamd });
    expect(JSON.parse(run.stdout).msg).toBe('del cmd: failed to reach the network policy agent');
    const npAgent = new ScriptedChannel().answer(NP_BACKEND.DeletePodNp, () =>
      ok({ Success: false }),
    );
    expect((await invoke(DEL, CONFIG, { ipamd, npAgent })).code).toBe(0);
  });

  it('a prevResult that does not parse fails the DEL (code 6)', async () => {
    const run = await invoke(DEL, { ...CONFIG, prevResult: { ips: 'x' } });
    expect(JSON.parse(run.stdout)).toMatchObject({ code: 6, msg: 'prevResult: ips is not a list' });
  });
});

describe('CHECK, STATUS, GC, VERSION', () => {
  it('CHECK needs CNI 0.4.0 and a prevResult', async () => {
    const old = await invoke({ ...ENV, CNI_COMMAND: 'CHECK' }, { ...CONFIG, cniVersion: '0.3.1' });
    expect(JSON.parse(old.stdout)).toMatchObject({
      code: 1,
      msg: 'CHECK needs CNI 0.4.0 or later; the configuration is 0.3.1',
    });
    const bare = await invoke({ ...ENV, CNI_COMMAND: 'CHECK' }, CONFIG);
    expect(JSON.parse(bare.stdout)).toMatchObject({
      code: 7,
      msg: 'CHECK needs prevResult (the result of ADD)',
    });
  });

  it('STATUS: ready exactly when ipamd answers SERVING; otherwise code 50', async () => {
    const env = { CNI_COMMAND: 'STATUS', CNI_PATH: '/opt/cni/bin' };
    const config = { cniVersion: '1.1.0', name: 'aws-cni', type: 'aws-cni' };
    const serving = await invoke(env, config, {
      ipamd: new ScriptedChannel().answer(HEALTH.Check, () => ok({ status: 'SERVING' as const })),
    });
    expect(serving).toMatchObject({ code: 0, stdout: '' });
    expect(serving.ipamd.calls[0]).toMatchObject({
      path: '/grpc.health.v1.Health/Check',
      deadlineMs: 5000,
    });
    const down = await invoke(env, config);
    expect(JSON.parse(down.stdout)).toEqual({
      cniVersion: '1.1.0',
      code: 50,
      msg: 'plugin not available: ipamd does not answer',
      details: 'cannot connect: no such socket',
    });
    const notServing = await invoke(env, config, {
      ipamd: new ScriptedChannel().answer(HEALTH.Check, () =>
        ok({ status: 'NOT_SERVING' as const }),
      ),
    });
    expect(JSON.parse(notServing.stdout)).toMatchObject({
      code: 50,
      msg: 'plugin not available: ipamd is NOT_SERVING',
    });
  });

  it('GC: the valid attachments go to ipamd; released addresses lose their rules; ipamd down is code 11', async () => {
    const env = { CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' };
    const config = {
      cniVersion: '1.1.0',
      name: 'aws-cni',
      type: 'aws-cni',
      'cni.dev/valid-attachments': [{ containerID: 'keep-me', ifname: 'eth0' }],
    };
    const ipamd = new ScriptedChannel().answer(POD_ALLOCATIONS.GarbageCollect, () =>
      ok({
        Released: [{ IPv4Addr: '10.0.0.99', IPv6Addr: '', DeviceNumber: 0, RouteTableId: 254 }],
        KeptRecent: 1,
      }),
    );
    const run = await invoke(env, config, { ipamd });
    expect(run).toMatchObject({ code: 0, stdout: '' });
    expect(run.ipamd.calls[0]!.request).toEqual({
      NetworkName: 'aws-cni',
      ValidAttachments: [{ ContainerID: 'keep-me', IfName: 'eth0' }],
      ClientVersion: VERSION,
    });
    expect(run.ip.forced[0]!.lines).toEqual([
      'rule del to 10.0.0.99/32 priority 512 table main',
      'route del 10.0.0.99/32 table main',
    ]);
    const down = await invoke(env, config);
    expect(JSON.parse(down.stdout)).toMatchObject({
      code: 11,
      msg: 'gc cmd: ipamd did not collect',
    });
    const old = await invoke(env, { ...config, cniVersion: '1.0.0' });
    expect(JSON.parse(old.stdout)).toMatchObject({
      code: 1,
      msg: 'GC needs CNI 1.1.0 or later; the configuration is 1.0.0',
    });
  });

  it('VERSION answers without touching a socket; no command: the plugin says what it is on stderr', async () => {
    const version = await invoke({ CNI_COMMAND: 'VERSION' }, { cniVersion: '0.4.0' });
    expect(JSON.parse(version.stdout).cniVersion).toBe('0.4.0');
    expect(version.ipamd.calls).toEqual([]);
    const bare = await invoke({}, {});
    expect(bare.code).toBe(0);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain(`AWS CNI ${VERSION} (vpc-ipamd)`);
  });

  it('errors before the configuration is read still answer JSON on stdout', async () => {
    const run = await invoke({ CNI_COMMAND: 'ADD' }, CONFIG);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ cniVersion: '1.1.0', code: 4 });
  });
});
