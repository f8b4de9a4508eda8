import { GrpcStatusCode } from './grpc-status-code.js';
import { GRPC_MESSAGE_PREFIX_BYTES } from './grpc-wire-format.js';

/** What the 5-byte prefix of a gRPC message says about it. */
export interface GrpcMessagePrefix {
  /** Whether the message is compressed with the call's `grpc-encoding`. */
  readonly compressed: boolean;
  /** The message's length on the wire, in bytes. */
  readonly length: number;
}

/** Why a call's request stream is not the one acceptable message: the status to answer with. */
export interface GrpcFramingProblem {
  /** RESOURCE_EXHAUSTED (over the limit), UNIMPLEMENTED (an encoding not undone) or INTERNAL (broken framing). */
  readonly code: GrpcStatusCode;
  /** What is wrong, for `grpc-message`. */
  readonly message: string;
}

/** The one message of a unary call, as received. */
export interface GrpcReceivedMessage {
  /** Whether it is compressed with the call's `grpc-encoding`. */
  readonly compressed: boolean;
  /** Its bytes (still compressed when `compressed`). */
  readonly bytes: Buffer;
}

/**
 * Reads the one length-prefixed message of a unary gRPC call from the DATA of its request stream,
 * whatever the frame boundaries. The prefix is checked as soon as its 5 bytes are in — the
 * compressed flag (0 or 1), the length against `maxBytes`, and whatever `checkPrefix` adds — so
 * an oversized message is refused before any of it is held; at most `maxBytes` are ever held.
 */
export class GrpcMessageReader {
  private readonly prefixBytes = Buffer.alloc(GRPC_MESSAGE_PREFIX_BYTES);
  private prefixFilled = 0;
  private prefix: GrpcMessagePrefix | undefined;
  private readonly chunks: Buffer[] = [];
  private bodyBytes = 0;

  /**
   * @param maxBytes - the largest message accepted, as framed
   * @param checkPrefix - a further check of the prefix (e.g. that a compressed message has an encoding that is undone)
   */
  constructor(
    private readonly maxBytes: number,
    private readonly checkPrefix: (prefix: GrpcMessagePrefix) => GrpcFramingProblem | undefined = () => undefined,
  ) {}

  /** Takes the next bytes of the stream; returns the problem that ends the call, if they make one. */
  push(chunk: Buffer): GrpcFramingProblem | undefined {
    let offset = 0;
    if (this.prefix === undefined) {
      const taken = Math.min(chunk.length, GRPC_MESSAGE_PREFIX_BYTES - this.prefixFilled);
      chunk.copy(this.prefixBytes, this.prefixFilled, 0, taken);
      this.prefixFilled += taken;
      offset = taken;
      if (this.prefixFilled < GRPC_MESSAGE_PREFIX_BYTES) return undefined;
      const problem = this.readPrefix();
      if (problem !== undefined) return problem;
    }
    const prefix = this.prefix!;
    const rest = chunk.length - offset;
    if (rest === 0) return undefined;
    if (this.bodyBytes + rest > prefix.length) {
      return { code: GrpcStatusCode.INTERNAL, message: 'more than one message in a unary call: data follows the request message' };
    }
    this.chunks.push(offset === 0 ? chunk : chunk.subarray(offset));
    this.bodyBytes += rest;
    return undefined;
  }

  /** At the end of the stream: the message, or the problem when the stream did not carry one whole message. */
  end(): GrpcReceivedMessage | GrpcFramingProblem {
    const prefix = this.prefix;
    if (prefix === undefined) {
      const message =
        this.prefixFilled === 0
          ? 'the call ended without a request message'
          : `the call ended inside a message prefix (${this.prefixFilled} of ${GRPC_MESSAGE_PREFIX_BYTES} bytes)`;
      return { code: GrpcStatusCode.INTERNAL, message };
    }
    if (this.bodyBytes < prefix.length) {
      return {
        code: GrpcStatusCode.INTERNAL,
        message: `the call ended inside its message: ${this.bodyBytes} of ${prefix.length} bytes received`,
      };
    }
    return { compressed: prefix.compressed, bytes: Buffer.concat(this.chunks, prefix.length) };
  }

  private readPrefix(): GrpcFramingProblem | undefined {
    const flag = this.prefixBytes.readUInt8(0);
    if (flag > 1) return { code: GrpcStatusCode.INTERNAL, message: `invalid compressed flag ${flag} in a message prefix (0 or 1)` };
    const length = this.prefixBytes.readUInt32BE(1);
    if (length > this.maxBytes) {
      return {
        code: GrpcStatusCode.RESOURCE_EXHAUSTED,
        message: `received message larger than max (${length} vs. ${this.maxBytes} bytes)`,
      };
    }
    const prefix = { compressed: flag === 1, length };
    const problem = this.checkPrefix(prefix);
    if (problem !== undefined) return problem;
    this.prefix = prefix;
    return undefined;
  }
}
