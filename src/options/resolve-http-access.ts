import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { createSecureContext } from 'node:tls';
import { FedscopeConfigError } from '../diagnostics/fedscope-config-error.js';
import { BearerTokenCheck } from '../output/http/bearer-token-check.js';
import { describeValue } from '../text/describe-value.js';
import type { ResolvedHttpAccessConfig } from './resolved-config.js';
import type { HttpAccessOptions } from './types.js';
import { expectBoolean, expectNumber, expectObject, expectString } from './value-checks.js';

const HTTP_ACCESS_KEYS = ['token', 'tokenFile', 'metricsOpen', 'tls', 'rateLimit'] as const;
const TLS_KEYS = ['certFile', 'keyFile'] as const;
const RATE_LIMIT_KEYS = ['requestsPerSecond', 'burst', 'maxClients'] as const;
/** The per-client rate limits when none are given: enough for the dashboard's first load and a refresh a second. */
export const DEFAULT_HTTP_RATE_LIMIT = Object.freeze({ requestsPerSecond: 20, burst: 40, maxClients: 10_000 });
/** Shortest token accepted: a guessable token is no access control. */
export const MIN_TOKEN_LENGTH = 16;

/**
 * Resolves the HTTP server's access control: options win over `FEDSCOPE_HTTP_*` variables. Reads
 * the token file and the TLS files now, so a missing or unreadable one fails at start, naming the
 * field. The token is kept only as its SHA-256 digest and never appears in an error.
 * @param value - the `http` option
 * @param env - environment variables (`FEDSCOPE_HTTP_TOKEN`, `…_TOKEN_FILE`, `…_METRICS_OPEN`, `…_TLS_CERT_FILE`, `…_TLS_KEY_FILE`)
 * @throws FedscopeConfigError naming the option or variable that is wrong
 */
export function resolveHttpAccess(
  value: HttpAccessOptions | undefined,
  env: Readonly<Record<string, string | undefined>>,
): ResolvedHttpAccessConfig {
  const opts = value === undefined ? {} : expectObject('http', value, HTTP_ACCESS_KEYS);
  const variable = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };
  return {
    tokenSha256: resolveToken(opts, variable),
    metricsOpen: expectBoolean('http.metricsOpen', opts['metricsOpen']) ?? booleanVariable('FEDSCOPE_HTTP_METRICS_OPEN', variable) ?? false,
    tls: resolveTls(opts['tls'], variable),
    rateLimit: resolveRateLimit(opts['rateLimit']),
  };
}

function resolveToken(opts: Record<string, unknown>, variable: (name: string) => string | undefined): Buffer | undefined {
  // Never describeValue(token) here: an error message must not carry the secret.
  const given = (field: string, raw: unknown): string | undefined => {
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string') throw new FedscopeConfigError(field, `expected a string, got a ${typeof raw}`);
    return raw;
  };
  const token = given('http.token', opts['token']);
  const tokenFile = expectString('http.tokenFile', opts['tokenFile']);
  if (token !== undefined && tokenFile !== undefined)
    throw new FedscopeConfigError('http.tokenFile', 'give the token or a file holding it, not both');
  if (token !== undefined) return checkedToken('http.token', token);
  if (tokenFile !== undefined) return checkedToken('http.tokenFile', readText('http.tokenFile', tokenFile).trim());
  const fromEnv = variable('FEDSCOPE_HTTP_TOKEN');
  if (fromEnv !== undefined) return checkedToken('FEDSCOPE_HTTP_TOKEN', fromEnv);
  const fileFromEnv = variable('FEDSCOPE_HTTP_TOKEN_FILE');
  return fileFromEnv === undefined
    ? undefined
    : checkedToken('FEDSCOPE_HTTP_TOKEN_FILE', readText('FEDSCOPE_HTTP_TOKEN_FILE', fileFromEnv).trim());
}

/** A token fit for an `Authorization` header and long enough not to be guessed; its digest. */
function checkedToken(field: string, token: string): Buffer {
  if (!/^[\x21-\x7e]+$/.test(token))
    throw new FedscopeConfigError(field, 'the token must be printable ASCII without spaces or control characters (it is sent in a header)');
  if (token.length < MIN_TOKEN_LENGTH)
    throw new FedscopeConfigError(
      field,
      `the token has ${token.length} characters; at least ${MIN_TOKEN_LENGTH} are required (e.g. openssl rand -hex 32)`,
    );
  return BearerTokenCheck.digest(token);
}

function resolveTls(value: unknown, variable: (name: string) => string | undefined): ResolvedHttpAccessConfig['tls'] {
  let certFile: string | undefined;
  let keyFile: string | undefined;
  let field: { cert: string; key: string; both: string };
  if (value !== undefined) {
    const tls = expectObject('http.tls', value, TLS_KEYS);
    certFile = expectString('http.tls.certFile', tls['certFile']);
    keyFile = expectString('http.tls.keyFile', tls['keyFile']);
    field = { cert: 'http.tls.certFile', key: 'http.tls.keyFile', both: 'http.tls' };
  } else {
    certFile = variable('FEDSCOPE_HTTP_TLS_CERT_FILE');
    keyFile = variable('FEDSCOPE_HTTP_TLS_KEY_FILE');
    if (certFile === undefined && keyFile === undefined) return undefined;
    field = { cert: 'FEDSCOPE_HTTP_TLS_CERT_FILE', key: 'FEDSCOPE_HTTP_TLS_KEY_FILE', both: 'FEDSCOPE_HTTP_TLS_CERT_FILE' };
  }
  // Each file given is read first, so an unreadable one is named before the one missing.
  const cert = certFile === undefined ? undefined : readBytes(field.cert, certFile);
  const key = keyFile === undefined ? undefined : readBytes(field.key, keyFile);
  if (cert === undefined) throw new FedscopeConfigError(field.cert, 'the certificate file is required with a key file');
  if (key === undefined) throw new FedscopeConfigError(field.key, 'the key file is required with a certificate file');
  // A TLS context checks the PEM and that the key matches the certificate: at start rather than at the first handshake.
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new FedscopeConfigError(
      field.both,
      `the certificate ${certFile} and key ${keyFile} cannot serve TLS: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return { cert, key };
}

function resolveRateLimit(value: unknown): ResolvedHttpAccessConfig['rateLimit'] {
  if (value === false) return undefined;
  if (value === undefined) return { ...DEFAULT_HTTP_RATE_LIMIT };
  const opts = expectObject('http.rateLimit', value, RATE_LIMIT_KEYS);
  const requestsPerSecond =
    expectNumber('http.rateLimit.requestsPerSecond', opts['requestsPerSecond'], { min: 0.01, max: 1_000_000 }) ??
    DEFAULT_HTTP_RATE_LIMIT.requestsPerSecond;
  const burst =
    expectNumber('http.rateLimit.burst', opts['burst'], { min: 1, max: 1_000_000, integer: true }) ??
    Math.max(DEFAULT_HTTP_RATE_LIMIT.burst, Math.ceil(requestsPerSecond));
  const maxClients =
    expectNumber('http.rateLimit.maxClients', opts['maxClients'], { min: 1, max: 1_000_000, integer: true }) ??
    DEFAULT_HTTP_RATE_LIMIT.maxClients;
  return { requestsPerSecond, burst, maxClients };
}

function booleanVariable(name: string, variable: (name: string) => string | undefined): boolean | undefined {
  const raw = variable(name)?.toLowerCase();
  if (raw === undefined) return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new FedscopeConfigError(name, `expected true or false, got ${describeValue(raw)}`);
}

function readBytes(field: string, path: string): Buffer {
  try {
    return readFileSync(resolvePath(path));
  } catch (error) {
    throw new FedscopeConfigError(field, `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

function readText(field: string, path: string): string {
  return readBytes(field, path).toString('utf8');
}
