import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as protoLoader from '@grpc/proto-loader';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MessageCodec } from '../../../src/wire/message-codec.ts';
import { CNI_BACKEND, CONFIG_SERVER_BACKEND, HEALTH } from '../../../src/wire/methods.ts';
import {
  type AddNetworkReply,
  addNetworkReplyCodec,
  addNetworkRequestCodec,
  delNetworkReplyCodec,
} from '../../../src/wire/rpc-messages.ts';
import { arbitrary } from './arbitraries.ts';

/**
 * Wire compatibility with an independent implementation: protobufjs (through @grpc/proto-loader)
 * reads proto/rpc.proto and proto/health.proto, encodes, and our codec decodes; ours encodes and
 * protobufjs decodes. Field numbers and types therefore come from the .proto files, not from us.
 */

const PROTO_DIR = fileURLToPath(new URL('../../../proto/', import.meta.url));
const LOADER: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
};
const protos = protoLoader.loadSync(['rpc.proto', 'health.proto'], {
  ...LOADER,
  includeDirs: [PROTO_DIR],
});

interface Theirs {
  serialize(value: object): Buffer;
  deserialize(bytes: Buffer): object;
}

function theirs(service: string, method: string, side: 'request' | 'response'): Theirs {
  const definition = (protos[service] as protoLoader.ServiceDefinition)[method];
  if (!definition) throw new Error(`no ${service}/${method} in the protos`);
  return side === 'request'
    ? { serialize: definition.requestSerialize, deserialize: definition.requestDeserialize }
    : { serialize: definition.responseSerialize, deserialize: definition.responseDeserialize };
}

interface Pair {
  readonly ours: MessageCodec<object>;
  readonly theirs: Theirs;
  /** Every field set to something other than its default. */
  readonly full: object;
}

const pairs: Record<string, Pair> = {
  AddNetworkRequest: {
    ours: CNI_BACKEND.AddNetwork.request as MessageCodec<object>,
    theirs: theirs('rpc.CNIBackend', 'AddNetwork', 'request'),
    full: {
      K8S_POD_NAME: 'pöd-名前-🚀',
      K8S_POD_NAMESPACE: 'kube-system',
      K8S_POD_INFRA_CONTAINER_ID: 'f'.repeat(64),
      Netns: '/var/run/netns/cni-1',
      IfName: 'eth0',
      NetworkName: 'aws-cni',
      ContainerID: 'f'.repeat(64),
      ClientVersion: 'v1.23.1',
      RequiresMultiNICAttachment: true,
    },
  },
  AddNetworkReply: {
    ours: CNI_BACKEND.AddNetwork.response as MessageCodec<object>,
    theirs: theirs('rpc.CNIBackend', 'AddNetwork', 'response'),
    full: {
      Success: true,
      IPAllocationMetadata: [
        { IPv4Addr: '10.0.0.5', IPv6Addr: 'fd00::5', DeviceNumber: -1, RouteTableId: 2 },
        { IPv4Addr: '10.0.1.5', IPv6Addr: 'fd00::6', DeviceNumber: 3, RouteTableId: 4 },
      ],
      UseExternalSNAT: true,
      VPCv4CIDRs: ['10.0.0.0/16', '100.64.0.0/10'],
      PodVlanId: 4094,
      PodENIMAC: '02:ab:cd:ef:00:01',
      PodENISubnetGW: '10.0.1.1',
      ParentIfIndex: 3,
      VPCv6CIDRs: ['fd00::/56'],
      NetworkPolicyMode: 'strict',
    },
  },
  DelNetworkRequest: {
    ours: CNI_BACKEND.DelNetwork.request as MessageCodec<object>,
    theirs: theirs('rpc.CNIBackend', 'DelNetwork', 'request'),
    full: {
      K8S_POD_NAME: 'web-1',
      K8S_POD_NAMESPACE: 'default',
      K8S_POD_INFRA_CONTAINER_ID: 'c1',
      Reason: 'SetupNSFailed',
      IfName: 'eth0',
      NetworkName: 'aws-cni',
      ContainerID: 'c1',
      ClientVersion: 'v1.23.1',
      K8S_POD_UID: '8d1c1a34-7a5e-4c0e-9a39-1f1f2b7f6a10',
    },
  },
  DelNetworkReply: {
    ours: CNI_BACKEND.DelNetwork.response as MessageCodec<object>,
    theirs: theirs('rpc.CNIBackend', 'DelNetwork', 'response'),
    full: {
      Success: true,
      IPAllocationMetadata: [
        {
          IPv4Addr: '10.0.0.5',
          IPv6Addr: 'fd00::9',
          DeviceNumber: -2147483648,
          RouteTableId: 2147483647,
        },
      ],
      PodVlanId: 12,
      NetworkPolicyMode: 'standard',
    },
  },
  Empty: {
    ours: CONFIG_SERVER_BACKEND.GetNetworkPolicyConfigs.request as MessageCodec<object>,
    theirs: theirs('rpc.ConfigServerBackend', 'GetNetworkPolicyConfigs', 'request'),
    full: {},
  },
  NetworkPolicyAgentConfigReply: {
    ours: CONFIG_SERVER_BACKEND.GetNetworkPolicyConfigs.response as MessageCodec<object>,
    theirs: theirs('rpc.ConfigServerBackend', 'GetNetworkPolicyConfigs', 'response'),
    full: {
      NetworkPolicyMode: 'standard',
      MultiNICEnabled: true,
      NodeIPv4: '10.0.0.10',
      NodeIPv6: 'fd00::10',
      InstanceID: 'i-0123456789abcdef0',
      Region: 'eu-central-1',
    },
  },
  HealthCheckRequest: {
    ours: HEALTH.Check.request as MessageCodec<object>,
    theirs: theirs('grpc.health.v1.Health', 'Check', 'request'),
    full: { service: 'grpc.health.v1.aws-node' },
  },
  HealthCheckResponse: {
    ours: HEALTH.Check.response as MessageCodec<object>,
    theirs: theirs('grpc.health.v1.Health', 'Check', 'response'),
    full: { status: 'NOT_SERVING' },
  },
};

describe.each(Object.entries(pairs))('%s: ours and protobufjs agree', (_name, pair) => {
  const { ours, theirs: other, full } = pair;

  it('protobufjs encodes, ours decodes (every field set)', () => {
    expect(ours.decode(other.serialize(full))).toEqual(full);
  });

  it('ours encodes, protobufjs decodes (every field set)', () => {
    expect(other.deserialize(Buffer.from(ours.encode(full)))).toEqual(full);
  });

  it('with every field set, both write the same bytes', () => {
    expect(Buffer.from(ours.encode(full)).toString('hex')).toBe(
      other.serialize(full).toString('hex'),
    );
  });

  it('defaults: both read what the other wrote for an all-default message', () => {
    const defaults = ours.defaults();
    expect(ours.decode(other.serialize(defaults))).toEqual(defaults);
    expect(other.deserialize(Buffer.from(ours.encode(defaults)))).toEqual(defaults);
  });
});

describe('random messages cross between the two implementations unchanged', () => {
  it.each([
    ['AddNetworkReply', arbitrary.addNetworkReply, addNetworkReplyCodec],
    ['DelNetworkReply', arbitrary.delNetworkReply, delNetworkReplyCodec],
    ['AddNetworkRequest', arbitrary.addNetworkRequest, addNetworkRequestCodec],
  ] as const)('%s', (name, arbitrary, codec) => {
    const other = pairs[name]!.theirs;
    fc.assert(
      fc.property(arbitrary as fc.Arbitrary<object>, (message) => {
        expect((codec as MessageCodec<object>).decode(other.serialize(message))).toEqual(message);
        expect(
          other.deserialize(Buffer.from((codec as MessageCodec<object>).encode(message))),
        ).toEqual(message);
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * A later revision of proto/rpc.proto: the same messages with fields this build does not know
 * (one of every wire type) appended, derived from the real file so the two cannot drift apart.
 */
function futureRevision(): string {
  const added: Record<string, string[]> = {
    AddNetworkRequest: [
      'fixed64 future_fixed64 = 20;',
      'fixed32 future_fixed32 = 21;',
      'sint64 future_sint64 = 22;',
      'Detail future_message = 23;',
      'repeated int32 future_packed = 24;',
      'double future_double = 25;',
      'string future_string = 26;',
    ],
    AddNetworkReply: ['int64 future_int64 = 14;', 'Detail future_message = 15;'],
    IPAllocationMetadata: ['uint64 future_uint64 = 5;', 'float future_float = 6;'],
  };
  const messages = [
    ...readFileSync(join(PROTO_DIR, 'rpc.proto'), 'utf8').matchAll(
      /^message (\w+) \{\n([\s\S]*?)^\}/gm,
    ),
  ].map(([, name, body]) => {
    const extra = (added[name!] ?? []).map((line) => `  ${line}\n`).join('');
    return `message ${name} {\n${body}${extra}}\n`;
  });
  return [
    'syntax = "proto3";',
    'package future;',
    'message Detail { string note = 1; repeated int32 codes = 2; }',
    ...messages,
    'service Future { rpc AddNetwork (AddNetworkRequest) returns (AddNetworkReply) {} }',
  ].join('\n');
}

describe('fields of a later revision of the proto are skipped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rpc-future-'));
  writeFileSync(join(dir, 'rpc-future.proto'), futureRevision());
  const future = protoLoader.loadSync('rpc-future.proto', { ...LOADER, includeDirs: [dir] });
  const method = (future['future.Future'] as protoLoader.ServiceDefinition).AddNetwork!;
  const detail = { note: 'später', codes: [1, -1, 300] };

  it('in a request', () => {
    const known = pairs.AddNetworkRequest!.full;
    const bytes = method.requestSerialize({
      ...known,
      future_fixed64: 2 ** 40,
      future_fixed32: 7,
      future_sint64: -5,
      future_message: detail,
      future_packed: [1, 2, 3],
      future_double: 1.5,
      future_string: 'x',
    });
    // The future fields really are on the wire: more bytes than the known fields alone.
    expect(bytes.length).toBeGreaterThan(addNetworkRequestCodec.encode(known).length + 30);
    expect(addNetworkRequestCodec.decode(bytes)).toEqual(known);
  });

  it('in a reply and inside its nested messages', () => {
    const known = pairs.AddNetworkReply!.full as AddNetworkReply;
    const bytes = method.responseSerialize({
      ...known,
      IPAllocationMetadata: known.IPAllocationMetadata.map((m) => ({
        ...m,
        future_uint64: 2 ** 50,
        future_float: 0.25,
      })),
      future_int64: -(2 ** 40),
      future_message: detail,
    });
    expect(bytes.length).toBeGreaterThan(addNetworkReplyCodec.encode(known).length + 20);
    expect(addNetworkReplyCodec.decode(bytes)).toEqual(known);
  });
});
