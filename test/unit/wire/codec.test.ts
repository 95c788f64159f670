import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { healthCheckResponseCodec } from '../../../src/wire/health-messages.ts';
import { ProtoWriter } from '../../../src/wire/proto3-writer.ts';
import {
  type AddNetworkReply,
  addNetworkReplyCodec,
  addNetworkRequestCodec,
  delNetworkRequestCodec,
  emptyAddReply,
  emptyCodec,
  ipAllocationMetadataCodec,
} from '../../../src/wire/rpc-messages.ts';
import { WireError } from '../../../src/wire/wire-error.ts';
import { arbitrary } from './arbitraries.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const bytesOf = (hexText: string) => new Uint8Array(Buffer.from(hexText.replace(/ /g, ''), 'hex'));

/** What the reference's plugin sends on ADD (the field set of its `cmdAdd`). */
const referenceAdd = {
  ClientVersion: 'v1.23.1',
  K8S_POD_NAME: 'web-7d4b9c6f5-x2x9q',
  K8S_POD_NAMESPACE: 'default',
  K8S_POD_INFRA_CONTAINER_ID: 'a'.repeat(64),
  ContainerID: 'a'.repeat(64),
  IfName: 'eth0',
  NetworkName: 'aws-cni',
  Netns: '/var/run/netns/cni-1234',
  RequiresMultiNICAttachment: true,
};

const fullReply: AddNetworkReply = {
  Success: true,
  IPAllocationMetadata: [
    { IPv4Addr: '10.0.1.5', IPv6Addr: '', DeviceNumber: 2, RouteTableId: 3 },
    { IPv4Addr: '10.0.9.7', IPv6Addr: 'fd00::1', DeviceNumber: -1, RouteTableId: 0 },
  ],
  UseExternalSNAT: true,
  VPCv4CIDRs: ['10.0.0.0/16', '100.64.0.0/16'],
  VPCv6CIDRs: ['fd00::/56'],
  PodVlanId: 7,
  PodENIMAC: '02:00:00:00:00:01',
  PodENISubnetGW: '10.0.9.1',
  ParentIfIndex: 4,
  NetworkPolicyMode: 'standard',
};

describe('proto3 codec', () => {
  it('round-trips every field of the reference field set and of a full reply', () => {
    expect(addNetworkRequestCodec.decode(addNetworkRequestCodec.encode(referenceAdd))).toEqual(
      referenceAdd,
    );
    expect(addNetworkReplyCodec.decode(addNetworkReplyCodec.encode(fullReply))).toEqual(fullReply);
  });

  it('encodes exactly the protobuf bytes (tag, length, UTF-8)', () => {
    expect(
      hex(addNetworkRequestCodec.encode({ IfName: 'eth0', RequiresMultiNICAttachment: true })),
    ).toBe('2a0465746830' + '4801');
    expect(hex(delNetworkRequestCodec.encode({ Reason: 'PodDeleted', K8S_POD_UID: 'u' }))).toBe(
      '2a0a506f6444656c65746564' + '520175',
    );
  });

  it('leaves proto3 defaults out on encode and fills them in on decode', () => {
    expect(addNetworkReplyCodec.encode(emptyAddReply())).toHaveLength(0);
    expect(addNetworkReplyCodec.encode({})).toHaveLength(0);
    expect(addNetworkReplyCodec.decode(new Uint8Array(0))).toEqual({
      Success: false,
      IPAllocationMetadata: [],
      UseExternalSNAT: false,
      VPCv4CIDRs: [],
      VPCv6CIDRs: [],
      PodVlanId: 0,
      PodENIMAC: '',
      PodENISubnetGW: '',
      ParentIfIndex: 0,
      NetworkPolicyMode: '',
    });
    expect(emptyCodec.decode(emptyCodec.encode({}))).toEqual({});
  });

  it('writes repeated elements even when empty', () => {
    const reply = addNetworkReplyCodec.decode(
      addNetworkReplyCodec.encode({ VPCv4CIDRs: ['', 'x'], IPAllocationMetadata: [{}] }),
    );
    expect(reply.VPCv4CIDRs).toEqual(['', 'x']);
    expect(reply.IPAllocationMetadata).toEqual([
      { IPv4Addr: '', IPv6Addr: '', DeviceNumber: 0, RouteTableId: 0 },
    ]);
  });

  it('encodes a negative int32 as a 10-byte varint (DeviceNumber -1 for branch-ENI pods)', () => {
    expect(hex(ipAllocationMetadataCodec.encode({ DeviceNumber: -1 }))).toBe(
      '18ffffffffffffffffff01',
    );
    for (const n of [-1, -2, -128, -0x80000000, 0x7fffffff, 1, 127, 128, 300]) {
      const decoded = ipAllocationMetadataCodec.decode(
        ipAllocationMetadataCodec.encode({ DeviceNumber: n }),
      );
      expect(decoded.DeviceNumber).toBe(n);
    }
  });

  it('reads an int32 sent as a 5-byte (32-bit) varint the way protobuf-go does', () => {
    expect(ipAllocationMetadataCodec.decode(bytesOf('18 ff ff ff ff 0f')).DeviceNumber).toBe(-1);
  });

  it('keeps unicode strings intact, a leading byte-order mark included', () => {
    const names = ['pöd-名前-🚀', '\uFEFFbom', 'a\u0000b', '\u{10FFFF}'];
    for (const name of names) {
      expect(
        addNetworkRequestCodec.decode(addNetworkRequestCodec.encode({ K8S_POD_NAME: name })),
      ).toMatchObject({ K8S_POD_NAME: name });
    }
  });

  it('skips unknown fields of every wire type, groups included', () => {
    const known = hex(addNetworkRequestCodec.encode({ ContainerID: 'c', IfName: 'eth0' }));
    const unknown = [
      '7801', // field 15 varint
      '8101 0102030405060708', // field 16 fixed64
      '8a01 03 616263', // field 17 length-delimited
      '9501 01020304', // field 18 fixed32
      '9b01 0801 a301 1002 a401 9c01', // field 19 group holding a varint and a nested group
    ].join('');
    const decoded = addNetworkRequestCodec.decode(bytesOf(unknown + known + unknown));
    expect(decoded).toMatchObject({ ContainerID: 'c', IfName: 'eth0', Netns: '' });
  });

  it('skips a known field number that arrives with another wire type, as protobuf-go does', () => {
    // field 7 (ContainerID, a string) sent as a varint, then the real one
    const decoded = addNetworkRequestCodec.decode(bytesOf('3805 3a0163'));
    expect(decoded.ContainerID).toBe('c');
  });

  it('decodes an enum number it has no name for as the zero value', () => {
    expect(healthCheckResponseCodec.decode(bytesOf('0809')).status).toBe('UNKNOWN');
    expect(healthCheckResponseCodec.decode(bytesOf('0802')).status).toBe('NOT_SERVING');
  });

  it('a repeated singular field: the last one wins', () => {
    expect(addNetworkRequestCodec.decode(bytesOf('2a0161 2a0162')).IfName).toBe('b');
  });
});

describe('proto3 codec: bad input is refused with a message naming the message and field', () => {
  const cases: [string, string, string][] = [
    [
      'a string cut short',
      '3a0563',
      'rpc.AddNetworkRequest.ContainerID: truncated: length-delimited value at byte 1 declares 5 bytes, 1 left',
    ],
    [
      'a varint cut short',
      '4880',
      'rpc.AddNetworkRequest.RequiresMultiNICAttachment: truncated varint at byte 1',
    ],
    ['a tag cut short', '80', 'rpc.AddNetworkRequest: truncated varint at byte 0'],
    [
      'a varint of 11 bytes',
      `48${'ff'.repeat(10)}01`,
      'rpc.AddNetworkRequest.RequiresMultiNICAttachment: varint at byte 1 overflows 64 bits',
    ],
    [
      'a 10th varint byte above 1',
      `48${'ff'.repeat(9)}02`,
      'rpc.AddNetworkRequest.RequiresMultiNICAttachment: varint at byte 1 overflows 64 bits',
    ],
    ['field number 0', '0001', 'rpc.AddNetworkRequest: invalid field number at byte 0'],
    ['wire type 6', '7e', 'rpc.AddNetworkRequest: invalid wire type 6 for field 15 before byte 1'],
    ['wire type 7', '7f', 'rpc.AddNetworkRequest: invalid wire type 7 for field 15 before byte 1'],
    [
      'an end-group without a start',
      '7c',
      'rpc.AddNetworkRequest: end-group tag of field 15 without a start before byte 1',
    ],
    ['an unclosed group', '7b0801', 'rpc.AddNetworkRequest: truncated: group 15 is not closed'],
    [
      'a group closed by another field',
      '7b 0801 84 01',
      'rpc.AddNetworkRequest: group 15 closed by an end-group tag of field 16',
    ],
    [
      'a fixed64 cut short',
      '7901020304',
      'rpc.AddNetworkRequest: truncated: 8-byte value at byte 1, 4 left',
    ],
    [
      'invalid UTF-8',
      '3a02c328',
      'rpc.AddNetworkRequest.ContainerID: string at byte 2 is not valid UTF-8',
    ],
    [
      'a nested message cut short',
      '1203 0a0531',
      'rpc.AddNetworkReply.IPAllocationMetadata: rpc.IPAllocationMetadata.IPv4Addr: truncated: length-delimited value at byte 3 declares 5 bytes, 1 left',
    ],
  ];
  it.each(cases)('%s', (_label, input, message) => {
    const codec = input.startsWith('1203') ? addNetworkReplyCodec : addNetworkRequestCodec;
    expect(() => codec.decode(bytesOf(input))).toThrow(new WireError(message));
  });

  it('every truncation of a valid message either decodes (at a field boundary) or throws a WireError', () => {
    const whole = addNetworkReplyCodec.encode(fullReply);
    let refused = 0;
    for (let length = 0; length < whole.length; length++) {
      try {
        addNetworkReplyCodec.decode(whole.subarray(0, length));
      } catch (error) {
        expect(error).toBeInstanceOf(WireError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(whole.length / 2);
  });

  it('refuses values it cannot encode, naming the field', () => {
    expect(() => ipAllocationMetadataCodec.encode({ DeviceNumber: 2 ** 31 })).toThrow(
      new WireError('rpc.IPAllocationMetadata.DeviceNumber: number 2147483648 is not an int32'),
    );
    expect(() => ipAllocationMetadataCodec.encode({ RouteTableId: 1.5 })).toThrow(
      'rpc.IPAllocationMetadata.RouteTableId: number 1.5 is not an int32',
    );
    expect(() => addNetworkRequestCodec.encode({ ContainerID: 5 as unknown as string })).toThrow(
      'rpc.AddNetworkRequest.ContainerID: expected a string, got number 5',
    );
    expect(() => addNetworkReplyCodec.encode({ VPCv4CIDRs: 'x' as unknown as string[] })).toThrow(
      'rpc.AddNetworkReply.VPCv4CIDRs: expected a list, got "x"',
    );
    expect(() => addNetworkReplyCodec.encode({ Success: 1 as unknown as boolean })).toThrow(
      'rpc.AddNetworkReply.Success: expected a boolean, got number 1',
    );
    expect(() =>
      healthCheckResponseCodec.encode({ status: 'FINE' as unknown as 'SERVING' }),
    ).toThrow(
      'grpc.health.v1.HealthCheckResponse.status: "FINE" is not one of UNKNOWN, SERVING, NOT_SERVING, SERVICE_UNKNOWN',
    );
    expect(() =>
      addNetworkReplyCodec.encode({ IPAllocationMetadata: [{ DeviceNumber: -(2 ** 31) - 1 }] }),
    ).toThrow(
      'rpc.AddNetworkReply.IPAllocationMetadata: rpc.IPAllocationMetadata.DeviceNumber: number -2147483649 is not an int32',
    );
  });
});

describe('proto3 codec properties', () => {
  it('decode(encode(m)) = m for any AddNetworkReply', () => {
    fc.assert(
      fc.property(arbitrary.addNetworkReply, (m) => {
        expect(addNetworkReplyCodec.decode(addNetworkReplyCodec.encode(m))).toEqual(m);
      }),
    );
  });

  it('random bytes decode or throw a WireError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          addNetworkReplyCodec.decode(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(WireError);
        }
      }),
    );
  });

  it('the writer grows past its first buffer', () => {
    const long = 'x'.repeat(1000);
    expect(
      addNetworkRequestCodec.decode(addNetworkRequestCodec.encode({ Netns: long })).Netns,
    ).toBe(long);
    const writer = new ProtoWriter();
    for (let i = 0; i < 100; i++) writer.int32(-1);
    expect(writer.finish()).toHaveLength(1000);
  });
});
