import { OtlpDecodeError } from './otlp-decode-error.js';

/**
 * Reads a request body (e.g. a `node:http` `IncomingMessage`) into one buffer, refusing it as
 * soon as more than `maxBytes` have arrived, so an oversized upload is never held in memory.
 * A `Content-Length` over the limit is refused before reading. On refusal the stream is left
 * unread; the caller answers 413 (and may destroy the request).
 *
 * @throws OtlpDecodeError 413 when the body is larger than `maxBytes`
 */
export async function readBodyLimited(
  stream: AsyncIterable<Uint8Array | string> & { readonly headers?: Readonly<Record<string, string | string[] | undefined>> },
  maxBytes: number,
): Promise<Uint8Array> {
  const declared = stream.headers?.['content-length'];
  if (typeof declared === 'string' && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
    throw new OtlpDecodeError(413, `request body is ${declared} bytes; the limit is ${maxBytes}`);
  }
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    length += bytes.length;
    if (length > maxBytes) throw new OtlpDecodeError(413, `request body is larger than ${maxBytes} bytes`);
    chunks.push(bytes);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
}
