import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/options/resolve-config.js';
import { DEFAULT_HTTP_RATE_LIMIT } from '../../../src/options/resolve-http-access.js';
import { BearerTokenCheck } from '../../../src/output/http/bearer-token-check.js';
import { configErrorOf } from '../../support/config-error-of.js';
import { makeTestCertificates, type TestCertificates } from '../../support/test-certificates.js';

const TOKEN = 'resolve-token-0123456789';

let certificates: TestCertificates;
beforeAll(() => void (certificates = makeTestCertificates()));
afterAll(() => certificates.remove());

describe('http access options', () => {
  it('defaults to no token, plain HTTP, /metrics guarded like the rest, rate limits on', () => {
    expect(resolveConfig({}, {}).http).toEqual({
      tokenSha256: undefined,
      metricsOpen: false,
      tls: undefined,
      rateLimit: DEFAULT_HTTP_RATE_LIMIT,
    });
  });

  it('keeps only the digest of the token, from the option, FEDSCOPE_HTTP_TOKEN or a file', () => {
    const digest = BearerTokenCheck.digest(TOKEN);
    expect(resolveConfig({ http: { token: TOKEN } }, {}).http.tokenSha256).toEqual(digest);
    expect(resolveConfig({}, { FEDSCOPE_HTTP_TOKEN: TOKEN }).http.tokenSha256).toEqual(digest);
    const file = join(certificates.dir, 'token');
    writeFileSync(file, `${TOKEN}\n`);
    expect(resolveConfig({ http: { tokenFile: file } }, {}).http.tokenSha256).toEqual(digest);
    expect(resolveConfig({}, { FEDSCOPE_HTTP_TOKEN_FILE: file }).http.tokenSha256).toEqual(digest);
    // The option wins over the variable.
    expect(resolveConfig({ http: { token: TOKEN } }, { FEDSCOPE_HTTP_TOKEN: 'other-token-0123456789' }).http.tokenSha256).toEqual(digest);
    expect(JSON.stringify(resolveConfig({ http: { token: TOKEN } }, {}).http)).not.toContain(TOKEN);
  });

  it('refuses a short token, one with spaces or control characters, and both a token and a file, without echoing the token', () => {
    for (const [options, env, field] of [
      [{ http: { token: 'short-secret' } }, {}, 'http.token'],
      [{ http: { token: 'a secret with spaces 0123' } }, {}, 'http.token'],
      [{ http: { token: 'secret\r\nx-injected: 0123456789' } }, {}, 'http.token'],
      [{}, { FEDSCOPE_HTTP_TOKEN: 'short-secret' }, 'FEDSCOPE_HTTP_TOKEN'],
      [{ http: { token: TOKEN, tokenFile: '/nowhere' } }, {}, 'http.tokenFile'],
      [{ http: { token: 42 } }, {}, 'http.token'],
    ] as const) {
      const error = configErrorOf(options, env);
      expect(error.field).toBe(field);
      expect(error.message).not.toMatch(/short-secret|a secret with|injected/);
    }
    expect(configErrorOf({ http: { tokenFile: '/nowhere/token' } }).message).toMatch(
      /http\.tokenFile: cannot read \/nowhere\/token: ENOENT/,
    );
  });

  it('opens /metrics from the option or FEDSCOPE_HTTP_METRICS_OPEN', () => {
    expect(resolveConfig({ http: { metricsOpen: true } }, {}).http.metricsOpen).toBe(true);
    expect(resolveConfig({}, { FEDSCOPE_HTTP_METRICS_OPEN: 'true' }).http.metricsOpen).toBe(true);
    expect(configErrorOf({}, { FEDSCOPE_HTTP_METRICS_OPEN: 'yes' }).field).toBe('FEDSCOPE_HTTP_METRICS_OPEN');
    expect(configErrorOf({ http: { metricsOpen: 'yes' } }).field).toBe('http.metricsOpen');
  });

  it('reads the TLS files from the option or the variables and checks the pair', () => {
    const tls = resolveConfig({ http: { tls: { certFile: certificates.certFile, keyFile: certificates.keyFile } } }, {}).http.tls;
    expect(tls?.cert.toString()).toContain('BEGIN CERTIFICATE');
    const fromEnv = resolveConfig(
      {},
      { FEDSCOPE_HTTP_TLS_CERT_FILE: certificates.certFile, FEDSCOPE_HTTP_TLS_KEY_FILE: certificates.keyFile },
    ).http.tls;
    expect(fromEnv?.key.toString()).toContain('PRIVATE KEY');
    expect(configErrorOf({ http: { tls: { certFile: certificates.certFile } } }).field).toBe('http.tls.keyFile');
    expect(configErrorOf({}, { FEDSCOPE_HTTP_TLS_KEY_FILE: certificates.keyFile }).field).toBe('FEDSCOPE_HTTP_TLS_CERT_FILE');
    expect(configErrorOf({ http: { tls: { certFile: '/nowhere.pem', keyFile: certificates.keyFile } } }).field).toBe('http.tls.certFile');
    // The CA's certificate with the server's key: not a pair.
    const mismatch = configErrorOf({ http: { tls: { certFile: certificates.caFile, keyFile: certificates.keyFile } } });
    expect(mismatch.field).toBe('http.tls');
    expect(mismatch.message).toMatch(/cannot serve TLS/);
    expect(configErrorOf({ http: { tls: { certFile: certificates.certFile, keyFile: certificates.keyFile, ca: 'x' } } }).field).toBe(
      'http.tls.ca',
    );
  });

  it('takes rate limits, false for none, and refuses nonsense naming the field', () => {
    expect(resolveConfig({ http: { rateLimit: false } }, {}).http.rateLimit).toBeUndefined();
    expect(resolveConfig({ http: { rateLimit: { requestsPerSecond: 5 } } }, {}).http.rateLimit).toEqual({
      requestsPerSecond: 5,
      burst: 40,
      maxClients: 10_000,
    });
    expect(configErrorOf({ http: { rateLimit: { requestsPerSecond: 0 } } }).field).toBe('http.rateLimit.requestsPerSecond');
    expect(configErrorOf({ http: { rateLimit: { burst: 1.5 } } }).field).toBe('http.rateLimit.burst');
    expect(configErrorOf({ http: { rateLimit: { maxClients: 0 } } }).field).toBe('http.rateLimit.maxClients');
    expect(configErrorOf({ http: { rateLimit: { rps: 1 } } }).field).toBe('http.rateLimit.rps');
    expect(configErrorOf({ http: { tokn: TOKEN } }).message).toMatch(/did you mean 'token'/);
  });
});
