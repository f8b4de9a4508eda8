import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** An answer read whole. */
export interface HttpGetAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How {@link httpGet} and {@link sendHttp} send. */
export interface HttpGetOptions {
  /** Request headers. */
  headers?: Record<string, string>;
  /** The CA to trust for an `https:` URL. */
  ca?: Buffer;
  /** The local address to send from (e.g. `127.0.0.2`, to look like another client). */
  localAddress?: string;
}

/** GETs `url` (http or https) over a fresh connection and reads the whole answer. */
export function httpGet(url: string, options: HttpGetOptions = {}): Promise<HttpGetAnswer> {
  return sendHttp(url, 'GET', undefined, options);
}

/** Sends one request with `body` (its length set) over a fresh connection and reads the whole answer. */
export function sendHttp(url: string, method: string, body: Uint8Array | undefined, options: HttpGetOptions = {}): Promise<HttpGetAnswer> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  const headers = { ...(options.headers ?? {}), ...(body === undefined ? {} : { 'content-length': String(body.byteLength) }) };
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method,
        agent: false,
        headers,
        ...(options.ca ? { ca: options.ca } : {}),
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
