import { Http2Error } from './http2-error.ts';
import {
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_WINDOW,
  ERROR_CODE,
  LARGEST_MAX_FRAME_SIZE,
  LARGEST_WINDOW,
  SETTING,
} from './protocol-codes.ts';

/** What one SETTINGS frame changed for the streams we send on. */
export interface SettingsChange {
  /** How far every open stream's send window moves: the initial size's change (§6.9.2). */
  readonly windowDelta: number;
  /** Each SETTINGS_HEADER_TABLE_SIZE in the frame, in order: our encoder must follow them. */
  readonly headerTableSizes: readonly number[];
}

/**
 * The server's settings that shape what we send (RFC 9113 §6.5.2), refused when out of range.
 * MAX_CONCURRENT_STREAMS and MAX_HEADER_LIST_SIZE are not kept: a plugin run's few small,
 * sequential requests fit any server.
 */
export class PeerSettings {
  initialWindow = DEFAULT_WINDOW;
  maxFrameSize = DEFAULT_MAX_FRAME_SIZE;

  apply(settings: readonly (readonly [id: number, value: number])[]): SettingsChange {
    const before = this.initialWindow;
    const headerTableSizes: number[] = [];
    for (const [id, value] of settings) {
      if (id === SETTING.HEADER_TABLE_SIZE) {
        headerTableSizes.push(value);
      } else if (id === SETTING.ENABLE_PUSH && value > 1) {
        throw new Http2Error(ERROR_CODE.PROTOCOL_ERROR, `SETTINGS_ENABLE_PUSH of ${value}`);
      } else if (id === SETTING.INITIAL_WINDOW_SIZE) {
        if (value > LARGEST_WINDOW) {
          throw new Http2Error(
            ERROR_CODE.FLOW_CONTROL_ERROR,
            `SETTINGS_INITIAL_WINDOW_SIZE of ${value}`,
          );
        }
        this.initialWindow = value;
      } else if (id === SETTING.MAX_FRAME_SIZE) {
        if (value < DEFAULT_MAX_FRAME_SIZE || value > LARGEST_MAX_FRAME_SIZE) {
          throw new Http2Error(ERROR_CODE.PROTOCOL_ERROR, `SETTINGS_MAX_FRAME_SIZE of ${value}`);
        }
        this.maxFrameSize = value;
      }
    }
    return { windowDelta: this.initialWindow - before, headerTableSizes };
  }
}

/** A send window after a WINDOW_UPDATE or a settings change; above 2^31 - 1 is an error (§6.9.1). */
export function grownWindow(window: number, increment: number, where: string): number {
  const next = window + increment;
  if (next > LARGEST_WINDOW) {
    throw new Http2Error(
      ERROR_CODE.FLOW_CONTROL_ERROR,
      `the send window of ${where} would grow to ${next}, above ${LARGEST_WINDOW}`,
    );
  }
  return next;
}
