import buffer from 'node:buffer';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { OtlpDecodeError } from './otlp-decode-error.js';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);

/** The `Content-Encoding` tokens {@link decompressBody} understands (besides `identity`). */
export const SUPPORTED_CONTENT_ENCODINGS: readonly string[] = ['gzip', 'x-gzip', 'deflate', 'zlib'];

const MAX_ENCODING_LAYERS = 2;

/** True when the first two bytes are a zlib (RFC 1950) header rather than raw deflate data. */
function hasZlibHeader(data: Uint8Array): boolean {
  const cmf = data[0];
  const flg = data[1];
  return cmf !== undefined && flg !== undefined && (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | flg) % 31 === 0;
}

function isZlibError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}

async function decodeOne(data: Uint8Array, encoding: string, maxBytes: number): Promise<Uint8Array> {
  const options = { maxOutputLength: maxBytes };
  try {
    if (encoding === 'gzip' || encoding === 'x-gzip') return await gunzip(data, options);
    // HTTP "deflate" is zlib-wrapped (RFC 9110); some senders send raw deflate, so accept both.
    return hasZlibHeader(data) ? await inflate(data, options) : await inflateRaw(data, options);
  } catch (error) {
    if (isZlibError(error) && error.code === 'ERR_BUFFER_TOO_LARGE') {
      throw new OtlpDecodeError(413, `request body is larger than ${maxBytes} bytes after ${encoding} decompression`, { cause: error });
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new OtlpDecodeError(400, `malformed ${encoding} body: ${reason}`, { cause: error });
  }
}

/**
 * The body with its `Content-Encoding` undone: `gzip` (`x-gzip`), `deflate` (zlib-wrapped or
 * raw; `zlib` is the Collector's name for it), `identity` or no header. A list of encodings is
 * undone last-first (at most two layers). Decompression stops as soon as the output would pass `maxBytes` (zlib's
 * `maxOutputLength`), so a decompression bomb costs at most `maxBytes` of memory.
 *
 * @throws OtlpDecodeError 415 for an encoding it does not know (zstd, snappy, lz4, br, …),
 *   413 when the body (before or after decompression) is over `maxBytes`, 400 for corrupt data
 */
export async function decompressBody(body: Uint8Array, contentEncoding: string | undefined, maxBytes: number): Promise<Uint8Array> {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1 || maxBytes > buffer.constants.MAX_LENGTH) {
    throw new RangeError(`maxBytes must be an integer from 1 to ${buffer.constants.MAX_LENGTH}, got ${maxBytes}`);
  }
  if (body.length > maxBytes) throw new OtlpDecodeError(413, `request body is ${body.length} bytes; the limit is ${maxBytes}`);
  let data = body;
  for (const encoding of contentEncodingsOf(contentEncoding).reverse()) data = await decodeOne(data, encoding, maxBytes);
  return data;
}

/**
 * The encodings a `Content-Encoding` header lists, in the order applied (`identity` and empty
 * tokens left out), checked as {@link decompressBody} checks them: a receiver can call it before
 * reading the body.
 *
 * @throws OtlpDecodeError 415 for an encoding it does not know or more than two layers
 */
export function contentEncodingsOf(contentEncoding: string | undefined): string[] {
  const encodings = (contentEncoding ?? '')
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '' && token !== 'identity');
  if (encodings.length > MAX_ENCODING_LAYERS) {
    throw new OtlpDecodeError(
      415,
      `unsupported Content-Encoding: ${encodings.length} layered encodings; at most ${MAX_ENCODING_LAYERS} are undone`,
    );
  }
  for (const encoding of encodings) {
    if (!SUPPORTED_CONTENT_ENCODINGS.includes(encoding)) {
      throw new OtlpDecodeError(
        415,
        `unsupported Content-Encoding ${JSON.stringify(encoding.slice(0, 40))}: supported are gzip, deflate and identity`,
      );
    }
  }
  return encodings;
}
