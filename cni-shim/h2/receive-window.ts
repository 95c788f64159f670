import { Http2Error } from './http2-error.ts';
import { ERROR_CODE } from './protocol-codes.ts';

/**
 * How much DATA the server may still send us on the connection or on one stream (RFC 9113
 * §6.9). Once half the window is used, the used part is handed back in a WINDOW_UPDATE, so a
 * reply of any size flows without waiting on us.
 */
export class ReceiveWindow {
  private readonly size: number;
  private available: number;
  private consumed = 0;

  constructor(size: number) {
    this.size = size;
    this.available = size;
  }

  /**
   * Counts a DATA frame's payload (padding included, as flow control does). Returns the
   * WINDOW_UPDATE increment to send now, or 0.
   */
  receive(octets: number, where: string): number {
    if (octets > this.available) {
      throw new Http2Error(
        ERROR_CODE.FLOW_CONTROL_ERROR,
        `${octets} octets of DATA on ${where}, whose window had ${this.available} left`,
      );
    }
    this.available -= octets;
    this.consumed += octets;
    if (this.consumed < this.size / 2) return 0;
    const increment = this.consumed;
    this.available += increment;
    this.consumed = 0;
    return increment;
  }
}
