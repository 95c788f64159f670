import { expect, it } from 'vitest';
import { grownWindow, PeerSettings } from '../../../../cni-shim/h2/peer-settings.ts';
import { SETTING } from '../../../../cni-shim/h2/protocol-codes.ts';

it('keeps the window and frame size; reports the window change and every table size in order', () => {
  const peer = new PeerSettings();
  expect(
    peer.apply([
      [SETTING.HEADER_TABLE_SIZE, 0],
      [SETTING.INITIAL_WINDOW_SIZE, 1000],
      [SETTING.MAX_FRAME_SIZE, 20_000],
      [SETTING.HEADER_TABLE_SIZE, 4096],
      [SETTING.MAX_CONCURRENT_STREAMS, 0],
      [0x99, 1],
    ]),
  ).toEqual({ windowDelta: 1000 - 65_535, headerTableSizes: [0, 4096] });
  expect([peer.initialWindow, peer.maxFrameSize]).toEqual([1000, 20_000]);
  expect(peer.apply([[SETTING.INITIAL_WINDOW_SIZE, 3000]]).windowDelta).toBe(2000);
});

it.each([
  [SETTING.ENABLE_PUSH, 2, 'HTTP/2 PROTOCOL_ERROR: SETTINGS_ENABLE_PUSH of 2'],
  [
    SETTING.INITIAL_WINDOW_SIZE,
    2 ** 31,
    'HTTP/2 FLOW_CONTROL_ERROR: SETTINGS_INITIAL_WINDOW_SIZE of 2147483648',
  ],
  [SETTING.MAX_FRAME_SIZE, 16_383, 'HTTP/2 PROTOCOL_ERROR: SETTINGS_MAX_FRAME_SIZE of 16383'],
  [SETTING.MAX_FRAME_SIZE, 2 ** 24, 'HTTP/2 PROTOCOL_ERROR: SETTINGS_MAX_FRAME_SIZE of 16777216'],
])('refuses setting %i = %i', (id, value, message) => {
  expect(() => new PeerSettings().apply([[id, value]])).toThrow(message);
});

it('a send window above 2^31 - 1 is a FLOW_CONTROL_ERROR', () => {
  expect(grownWindow(65_535, 1, 'the connection')).toBe(65_536);
  expect(() => grownWindow(2 ** 31 - 1, 1, 'stream 3')).toThrow(
    'HTTP/2 FLOW_CONTROL_ERROR: the send window of stream 3 would grow to 2147483648, above 2147483647',
  );
});
