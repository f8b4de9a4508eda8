import * as diagnosticsChannel from 'node:diagnostics_channel';

/**
 * mysql2 (3.x with tracing channels) publishes every failed query and execute, with the driver's
 * error object, on `tracing:mysql2:query:error` / `tracing:mysql2:execute:error` — synchronously
 * right before it calls the query's callback, which is where the contrib instrumentation ends its
 * span with only the message. Remembering the last published error lets the span get the error's
 * code (errno, sqlState) instead of a guess from the message.
 */
const MYSQL2_ERROR_CHANNELS = ['tracing:mysql2:query:error', 'tracing:mysql2:execute:error'];

let lastMysql2Error: unknown;
let subscribers = 0;

function onMysql2Error(message: unknown): void {
  lastMysql2Error = (message as { error?: unknown } | null)?.error;
}

/**
 * Starts remembering mysql2's published errors; returns the function that stops (subscriptions
 * are counted, so several instrumentations can hold one).
 */
export function captureMysql2Errors(): () => void {
  if (subscribers++ === 0) {
    for (const name of MYSQL2_ERROR_CHANNELS) diagnosticsChannel.subscribe(name, onMysql2Error);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--subscribers === 0) {
      for (const name of MYSQL2_ERROR_CHANNELS) diagnosticsChannel.unsubscribe(name, onMysql2Error);
      lastMysql2Error = undefined;
    }
  };
}

/**
 * The mysql2 error just published, if its message is `message` (the status message contrib sets
 * from `err.message`); it is forgotten once taken, so it cannot be attached to a later span.
 */
export function takeMysql2Error(message: string | undefined): unknown {
  const error = lastMysql2Error;
  if (typeof error !== 'object' || error === null || message === undefined) return undefined;
  if (!('message' in error) || error.message !== message) return undefined;
  lastMysql2Error = undefined;
  return error;
}

/**
 * The code in the exception text instrumentation-pg records instead of the error (it keeps the
 * message out of traces): `PostgreSQL error of type 'error' occurred (code: 42601)`.
 */
export function pgErrorCodeOfException(exception: unknown): string | undefined {
  if (typeof exception !== 'string') return undefined;
  const code = /\(code: ([A-Za-z0-9_]{1,64})\)$/.exec(exception)?.[1];
  return code === undefined || code === 'UNKNOWN' ? undefined : code;
}
