import { PermanentDeliveryError } from './types.js';

/**
 * POSTs JSON; resolves on 2xx. 4xx other than 408/429 is permanent (retrying the same body cannot
 * succeed); anything else (5xx, refused connection, timeout) rejects so the queue retries.
 */
export async function postJson(url: string, body: unknown, headers: Readonly<Record<string, string>>, timeoutMs: number): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text().catch(() => '');
  if (response.ok) return;
  const message = `POST ${url}: HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
  if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429)
    throw new PermanentDeliveryError(message);
  throw new Error(message);
}
