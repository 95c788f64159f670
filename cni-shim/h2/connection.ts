import type { Socket } from 'node:net';
import {
  dataOf,
  type Goaway,
  goawayOf,
  requireLength,
  requireStream,
  resetCodeOf,
  settingsOf,
  windowIncrementOf,
} from './frame-payloads.ts';
import { type Http2Frame, Http2FrameReader } from './frame-reader.ts';
import {
  CLIENT_PREFACE,
  encodeFrame,
  goawayFrame,
  headerBlockFrames,
  pingAckFrame,
  rstStreamFrame,
  settingsAckFrame,
  settingsFrame,
  windowUpdateFrame,
} from './frame-writer.ts';
import { type HeaderBlock, HeaderBlockAssembler } from './header-block-assembler.ts';
import { HeaderBlockDecoder } from './hpack/header-block-decoder.ts';
import { HeaderBlockEncoder } from './hpack/header-block-encoder.ts';
import type { HeaderField } from './hpack/header-field.ts';
import { HpackError } from './hpack/hpack-error.ts';
import { Http2Error } from './http2-error.ts';
import { grownWindow, PeerSettings } from './peer-settings.ts';
import {
  DEFAULT_HEADER_TABLE_SIZE,
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_WINDOW,
  ERROR_CODE,
  FLAG,
  FRAME,
  LARGEST_WINDOW,
  SETTING,
} from './protocol-codes.ts';
import { ReceiveWindow } from './receive-window.ts';
import type { ClientStream, StreamAbort, StreamEvents } from './stream-events.ts';

/**
 * One HTTP/2 connection from a client over a socket (RFC 9113), for the few request streams
 * of one plugin run: the preface and our SETTINGS go out with the first request in one write,
 * without waiting for the server's SETTINGS (§3.4 allows it). Server push is off; every protocol
 * error is a connection error: GOAWAY, then the streams end with the reason.
 */

/** Our window per stream (SETTINGS_INITIAL_WINDOW_SIZE) and for the connection. */
export const RECEIVE_WINDOW = 1 << 20;

interface OpenStream {
  readonly id: number;
  readonly events: StreamEvents;
  readonly receiveWindow: ReceiveWindow;
  sendWindow: number;
  /** Request body not yet sent: the server's windows hold it back. */
  unsent: Uint8Array;
}

export class Http2ClientConnection {
  private readonly socket: Socket;
  private readonly reader = new Http2FrameReader(DEFAULT_MAX_FRAME_SIZE);
  private readonly headerBlocks = new HeaderBlockAssembler();
  private readonly decoder = new HeaderBlockDecoder(DEFAULT_HEADER_TABLE_SIZE);
  private readonly encoder = new HeaderBlockEncoder();
  private readonly streams = new Map<number, OpenStream>();
  private readonly receiveWindow = new ReceiveWindow(RECEIVE_WINDOW);
  private sendWindow = DEFAULT_WINDOW;
  private readonly peer = new PeerSettings();
  private nextStreamId = 1;
  private connected = false;
  private sawSettings = false;
  /** No new streams: GOAWAY came, the socket closed, or a protocol error. */
  private ended = false;
  private goaway: Goaway | undefined;
  private socketError: Error | undefined;
  /** Frames to send, gathered while a chunk of input is handled, so they leave in one write. */
  private outbox: Uint8Array[] | undefined;

  /** `socket` was just created and is connecting; writes wait in it until it has. */
  constructor(socket: Socket) {
    this.socket = socket;
    this.socket.on('connect', () => {
      this.connected = true;
    });
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('error', (error) => {
      this.socketError = error;
    });
    this.socket.on('close', () => this.lost());
    // Written before the socket connects: net queues it, and it leaves with the first request.
    this.send(
      CLIENT_PREFACE,
      settingsFrame([
        [SETTING.ENABLE_PUSH, 0],
        [SETTING.INITIAL_WINDOW_SIZE, RECEIVE_WINDOW],
      ]),
      windowUpdateFrame(0, RECEIVE_WINDOW - DEFAULT_WINDOW),
    );
  }

  /** False once the connection takes no new streams. */
  get usable(): boolean {
    return !this.ended;
  }

  /** Opens the next stream with a request: its header fields, then `body` ending the stream. */
  request(fields: readonly HeaderField[], body: Uint8Array, events: StreamEvents): ClientStream {
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    // Stream ids are 31 bits and never reused.
    if (this.nextStreamId > LARGEST_WINDOW) this.ended = true;
    const stream: OpenStream = {
      id,
      events,
      receiveWindow: new ReceiveWindow(RECEIVE_WINDOW),
      sendWindow: this.peer.initialWindow,
      unsent: body,
    };
    this.streams.set(id, stream);
    const block = this.encoder.encode(fields);
    this.send(...headerBlockFrames(id, block, body.length === 0, this.peer.maxFrameSize));
    this.sendData(stream);
    return { cancel: () => this.cancel(id) };
  }

  /** Ends every stream (`closed`) and the socket. */
  close(): void {
    this.ended = true;
    this.abortAll({ kind: 'closed' });
    this.socket.destroy();
  }

  private cancel(id: number): void {
    if (!this.streams.delete(id)) return;
    this.send(rstStreamFrame(id, ERROR_CODE.CANCEL));
    this.endIfIdle();
  }

  private receive(chunk: Uint8Array): void {
    this.outbox = [];
    let failure: Http2Error | undefined;
    try {
      for (const frame of this.reader.push(chunk)) this.handle(frame);
    } catch (error) {
      if (error instanceof HpackError) {
        failure = new Http2Error(ERROR_CODE.COMPRESSION_ERROR, error.message);
      } else if (error instanceof Http2Error) {
        failure = error;
      } else {
        throw error;
      }
    }
    const outgoing = this.outbox;
    this.outbox = undefined;
    if (failure) outgoing.push(goawayFrame(0, failure.code));
    if (outgoing.length > 0 && !this.socket.destroyed) this.socket.write(Buffer.concat(outgoing));
    if (failure) {
      this.ended = true;
      this.abortAll({ kind: 'protocol-error', error: failure });
      this.socket.end();
    } else {
      this.endIfIdle();
    }
  }

  private handle(frame: Http2Frame): void {
    if (!this.sawSettings) {
      if (frame.type !== FRAME.SETTINGS || frame.flags & FLAG.ACK) {
        throw new Http2Error(ERROR_CODE.PROTOCOL_ERROR, 'the server did not begin with SETTINGS');
      }
      this.sawSettings = true;
    }
    const block = this.headerBlocks.accept(frame);
    if (block) {
      this.onHeaders(block);
      return;
    }
    switch (frame.type) {
      case FRAME.DATA:
        this.onData(frame);
        break;
      case FRAME.RST_STREAM:
        requireStream(frame, false);
        this.abort(frame.streamId, { kind: 'reset', code: resetCodeOf(frame) });
        break;
      case FRAME.SETTINGS:
        requireStream(frame, true);
        if (frame.flags & FLAG.ACK) {
          requireLength(frame, 0, 'SETTINGS ACK');
        } else {
          this.applySettings(settingsOf(frame));
          this.send(settingsAckFrame());
        }
        break;
      case FRAME.PUSH_PROMISE:
        throw new Http2Error(ERROR_CODE.PROTOCOL_ERROR, 'a PUSH_PROMISE frame, but push is off');
      case FRAME.PING:
        requireStream(frame, true);
        requireLength(frame, 8, 'PING');
        if (!(frame.flags & FLAG.ACK)) this.send(pingAckFrame(frame.payload));
        break;
      case FRAME.GOAWAY:
        requireStream(frame, true);
        this.onGoaway(goawayOf(frame));
        break;
      case FRAME.WINDOW_UPDATE:
        this.onWindowUpdate(frame.streamId, windowIncrementOf(frame));
        break;
      default:
      // PRIORITY is advice we do not need; unknown frame types are ignored (§5.5). HEADERS and
      // CONTINUATION without END_HEADERS wait in the assembler.
    }
  }

  private onHeaders({ streamId, endStream, block }: HeaderBlock): void {
    // Decoded even for a stream we gave up on: the dynamic table must stay in step.
    const fields = this.decoder.decode(block);
    const stream = this.openStream(streamId);
    if (!stream) return;
    if (endStream) this.finished(streamId);
    stream.events.headers(fields, endStream);
  }

  private onData(frame: Http2Frame): void {
    requireStream(frame, false);
    const connectionIncrement = this.receiveWindow.receive(frame.payload.length, 'the connection');
    if (connectionIncrement > 0) this.send(windowUpdateFrame(0, connectionIncrement));
    const data = dataOf(frame);
    const stream = this.openStream(frame.streamId);
    if (!stream) return;
    const endStream = (frame.flags & FLAG.END_STREAM) !== 0;
    const increment = stream.receiveWindow.receive(frame.payload.length, `stream ${stream.id}`);
    if (endStream) this.finished(stream.id);
    else if (increment > 0) this.send(windowUpdateFrame(stream.id, increment));
    stream.events.data(data, endStream);
  }

  /** The stream if it is still open; a stream we never opened is a PROTOCOL_ERROR (§5.1). */
  private openStream(id: number): OpenStream | undefined {
    if (id % 2 === 0 || id >= this.nextStreamId) {
      throw new Http2Error(
        ERROR_CODE.PROTOCOL_ERROR,
        `a frame on stream ${id}, which we never opened`,
      );
    }
    return this.streams.get(id);
  }

  private onGoaway(goaway: Goaway): void {
    this.goaway = goaway;
    this.ended = true;
    for (const id of this.streams.keys()) {
      if (id > goaway.lastStreamId) this.abort(id, { kind: 'refused', goaway });
    }
    this.endIfIdle();
  }

  private onWindowUpdate(streamId: number, increment: number): void {
    if (streamId === 0) {
      this.sendWindow = grownWindow(this.sendWindow, increment, 'the connection');
    } else {
      const stream = this.openStream(streamId);
      if (!stream) return;
      stream.sendWindow = grownWindow(stream.sendWindow, increment, `stream ${streamId}`);
    }
    for (const stream of this.streams.values()) this.sendData(stream);
  }

  private applySettings(settings: readonly [number, number][]): void {
    const change = this.peer.apply(settings);
    for (const size of change.headerTableSizes) this.encoder.setPeerLimit(size);
    for (const stream of this.streams.values()) {
      stream.sendWindow = grownWindow(stream.sendWindow, change.windowDelta, `stream ${stream.id}`);
      this.sendData(stream);
    }
  }

  /** Sends as much of the request body as both of the server's windows allow. */
  private sendData(stream: OpenStream): void {
    while (stream.unsent.length > 0) {
      const room = Math.min(stream.sendWindow, this.sendWindow, this.peer.maxFrameSize);
      if (room <= 0) return;
      const chunk = stream.unsent.subarray(0, room);
      stream.unsent = stream.unsent.subarray(chunk.length);
      stream.sendWindow -= chunk.length;
      this.sendWindow -= chunk.length;
      const flags = stream.unsent.length === 0 ? FLAG.END_STREAM : 0;
      this.send(encodeFrame(FRAME.DATA, flags, stream.id, chunk));
    }
  }

  /** The server ended the stream; whatever of the request is unsent is not wanted (§8.1). */
  private finished(id: number): void {
    this.streams.delete(id);
    this.endIfIdle();
  }

  private abort(id: number, reason: StreamAbort): void {
    const stream = this.streams.get(id);
    if (!stream) return;
    this.finished(id);
    stream.events.aborted(reason);
  }

  private abortAll(reason: StreamAbort): void {
    const streams = [...this.streams.values()];
    this.streams.clear();
    for (const stream of streams) stream.events.aborted(reason);
  }

  /** A connection that takes no new streams closes once its last stream is done. */
  private endIfIdle(): void {
    if (this.ended && this.streams.size === 0 && !this.outbox) this.socket.end();
  }

  private lost(): void {
    this.ended = true;
    if (!this.connected) {
      this.abortAll({
        kind: 'connect-failed',
        error: this.socketError ?? new Error('the socket closed before it connected'),
      });
      return;
    }
    this.abortAll({
      kind: 'connection-lost',
      ...(this.socketError ? { error: this.socketError } : {}),
      ...(this.goaway ? { goaway: this.goaway } : {}),
    });
  }

  private send(...frames: Uint8Array[]): void {
    if (this.outbox) {
      this.outbox.push(...frames);
    } else if (!this.socket.destroyed) {
      this.socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
    }
  }
}
