import { describe, expect, it } from 'vitest';
import { HeaderBlockDecoder } from '../../../../cni-shim/h2/hpack/header-block-decoder.ts';
import type { HeaderField } from '../../../../cni-shim/h2/hpack/header-field.ts';

/**
 * RFC 7541 Appendix C, decoded: each example's octets, the header list it must give, and the
 * dynamic table afterwards (entries, size). Requests run on one decoder per section, as on one
 * connection; the responses of C.5 and C.6 with SETTINGS_HEADER_TABLE_SIZE 256, so entries are
 * evicted along the way.
 */

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));

interface Step {
  readonly section: string;
  readonly octets: string;
  readonly fields: HeaderField[];
  readonly entries: number;
  readonly size: number;
}

function run(limit: number, steps: readonly Step[]) {
  const decoder = new HeaderBlockDecoder(limit);
  for (const step of steps) {
    expect(decoder.decode(bytes(step.octets)), step.section).toEqual(step.fields);
    expect([decoder.dynamicEntries, decoder.dynamicOctets], step.section).toEqual([
      step.entries,
      step.size,
    ]);
  }
}

describe('C.2 header field representations, each on a fresh decoder', () => {
  it.each<Step>([
    {
      section: 'C.2.1 literal with indexing',
      octets: '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572',
      fields: [['custom-key', 'custom-header']],
      entries: 1,
      size: 55,
    },
    {
      section: 'C.2.2 literal without indexing',
      octets: '040c 2f73 616d 706c 652f 7061 7468',
      fields: [[':path', '/sample/path']],
      entries: 0,
      size: 0,
    },
    {
      section: 'C.2.3 literal never indexed',
      octets: '1008 7061 7373 776f 7264 0673 6563 7265 74',
      fields: [['password', 'secret']],
      entries: 0,
      size: 0,
    },
    {
      section: 'C.2.4 indexed',
      octets: '82',
      fields: [[':method', 'GET']],
      entries: 0,
      size: 0,
    },
  ])('$section', (step) => run(4096, [step]));
});

const REQUEST_1: HeaderField[] = [
  [':method', 'GET'],
  [':scheme', 'http'],
  [':path', '/'],
  [':authority', 'www.example.com'],
];
const REQUEST_2: HeaderField[] = [...REQUEST_1, ['cache-control', 'no-cache']];
const REQUEST_3: HeaderField[] = [
  [':method', 'GET'],
  [':scheme', 'https'],
  [':path', '/index.html'],
  [':authority', 'www.example.com'],
  ['custom-key', 'custom-value'],
];

it('C.3 requests without Huffman coding', () => {
  run(4096, [
    {
      section: 'C.3.1',
      octets: '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
      fields: REQUEST_1,
      entries: 1,
      size: 57,
    },
    {
      section: 'C.3.2',
      octets: '8286 84be 5808 6e6f 2d63 6163 6865',
      fields: REQUEST_2,
      entries: 2,
      size: 110,
    },
    {
      section: 'C.3.3',
      octets: '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
      fields: REQUEST_3,
      entries: 3,
      size: 164,
    },
  ]);
});

it('C.4 requests with Huffman coding', () => {
  run(4096, [
    {
      section: 'C.4.1',
      octets: '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
      fields: REQUEST_1,
      entries: 1,
      size: 57,
    },
    {
      section: 'C.4.2',
      octets: '8286 84be 5886 a8eb 1064 9cbf',
      fields: REQUEST_2,
      entries: 2,
      size: 110,
    },
    {
      section: 'C.4.3',
      octets: '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
      fields: REQUEST_3,
      entries: 3,
      size: 164,
    },
  ]);
});

const RESPONSE_1: HeaderField[] = [
  [':status', '302'],
  ['cache-control', 'private'],
  ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'],
  ['location', 'https://www.example.com'],
];
const RESPONSE_2: HeaderField[] = [[':status', '307'], ...RESPONSE_1.slice(1)];
const RESPONSE_3: HeaderField[] = [
  [':status', '200'],
  ['cache-control', 'private'],
  ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'],
  ['location', 'https://www.example.com'],
  ['content-encoding', 'gzip'],
  ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
];

it('C.5 responses without Huffman coding, evicting from a 256-octet table', () => {
  run(256, [
    {
      section: 'C.5.1',
      octets: `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
               2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70
               6c65 2e63 6f6d`,
      fields: RESPONSE_1,
      entries: 4,
      size: 222,
    },
    {
      section: 'C.5.2 (evicts :status 302)',
      octets: '4803 3330 37c1 c0bf',
      fields: RESPONSE_2,
      entries: 4,
      size: 222,
    },
    {
      section: 'C.5.3 (evicts four entries)',
      octets: `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
               54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
               5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e
               3d31`,
      fields: RESPONSE_3,
      entries: 3,
      size: 215,
    },
  ]);
});

it('C.6 responses with Huffman coding, evicting from a 256-octet table', () => {
  run(256, [
    {
      section: 'C.6.1',
      octets: `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
               2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`,
      fields: RESPONSE_1,
      entries: 4,
      size: 222,
    },
    {
      section: 'C.6.2',
      octets: '4883 640e ffc1 c0bf',
      fields: RESPONSE_2,
      entries: 4,
      size: 222,
    },
    {
      section: 'C.6.3',
      octets: `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
               77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
               9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
      fields: RESPONSE_3,
      entries: 3,
      size: 215,
    },
  ]);
});
