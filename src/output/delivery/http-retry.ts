/**
 * What fedscope's HTTP senders (the collector's trace forwarder, the InfluxDB push) share about
 * retrying: reading `Retry-After`, the jittered exponential backoff, a wait that ends early on
 * abort, and the head of an error response for a log line.
 */

/** How a sender backs off between attempts. */
export interface BackoffPolicy {
  /** Backoff after the first failed attempt; doubles per attempt. */
  readonly initialBackoffMs: number;
  /** Longest backoff. */
  readonly maxBackoffMs: number;
  /** Longest wait a `Retry-After` header can impose. */
  readonly maxRetryAfterMs: number;
}

/** Bytes of an error response read for the log line. */
const ERROR_BODY_HEAD_BYTES = 256;

/**
 * Reads a `Retry-After` header: delay-seconds (`120`) or an HTTP-date, as milliseconds from `now`
 * (0 for a date already past); `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date names its day or month in letters; this keeps `-5` or `1.5` from reading as a year.
  const at = /[A-Za-z]/.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The wait after failed attempt `attempt` (1-based): the exponential backoff jittered to between
 * half and all of it, and at least the capped `Retry-After`.
 * @param random - uniform [0, 1) source of the jitter
 */
export function retryDelayMs(policy: BackoffPolicy, attempt: number, retryAfterMs: number | undefined, random: () => number): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (attempt - 1));
  const backoff = ceiling * (0.5 + 0.5 * random());
  return Math.round(Math.max(backoff, Math.min(retryAfterMs ?? 0, policy.maxRetryAfterMs)));
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. The timer never keeps the process alive. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Up to 256 bytes of an error response, printable, as `: text` (empty when none). Never rejects. */
export async function responseHead(response: Response): Promise<string> {
  const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < ERROR_BODY_HEAD_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // The status says enough.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = Buffer.concat(chunks)
    .subarray(0, ERROR_BODY_HEAD_BYTES)
    .toString('utf8')
    .replace(/[^\x20-\x7e]+/g, ' ')
    .trim();
  return text === '' ? '' : `: ${text}`;
}
