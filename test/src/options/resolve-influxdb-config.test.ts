// resolveConfig's `influxdb`: options and FEDSCOPE_INFLUXDB_* merged, 1.x or 2.x, errors naming the field, secrets never shown.
import { describe, expect, it } from 'vitest';
import { configErrorOf as errorOf } from '../../support/config-error-of.js';
import { resolveConfig } from '../../../src/options/resolve-config.js';

const DEFAULTS = { timeoutMs: 10_000, maxBatchLines: 5_000, maxQueuedBatches: 60 };
const NONE = { database: undefined, username: undefined, password: undefined, org: undefined, bucket: undefined, token: undefined };

describe('resolveConfig influxdb', () => {
  it('is off unless a URL is given, and off with false whatever the environment says', () => {
    expect(resolveConfig({}, {}).influxdb).toBeUndefined();
    expect(
      resolveConfig({ influxdb: false }, { FEDSCOPE_INFLUXDB_URL: 'http://i:8086', FEDSCOPE_INFLUXDB_DATABASE: 'd' }).influxdb,
    ).toBeUndefined();
  });

  it('1.x from the environment: the database, optional user and password; the URL without its trailing slash', () => {
    expect(resolveConfig({}, { FEDSCOPE_INFLUXDB_URL: 'http://influx:8086/', FEDSCOPE_INFLUXDB_DATABASE: 'fedscope' }).influxdb).toEqual({
      ...NONE,
      ...DEFAULTS,
      url: 'http://influx:8086',
      apiVersion: 1,
      database: 'fedscope',
    });
    expect(
      resolveConfig(
        {},
        {
          FEDSCOPE_INFLUXDB_URL: 'https://influx.example/proxy/',
          FEDSCOPE_INFLUXDB_DATABASE: 'd',
          FEDSCOPE_INFLUXDB_USERNAME: 'u',
          FEDSCOPE_INFLUXDB_PASSWORD: 'p',
        },
      ).influxdb,
    ).toMatchObject({ url: 'https://influx.example/proxy', apiVersion: 1, username: 'u', password: 'p' });
  });

  it('2.x from the options: org, bucket and token; options win over the environment field by field', () => {
    const env = { FEDSCOPE_INFLUXDB_URL: 'http://env:8086', FEDSCOPE_INFLUXDB_ORG: 'env-org', FEDSCOPE_INFLUXDB_TOKEN: 'env-token' };
    expect(
      resolveConfig({ influxdb: { bucket: 'b', token: 't', timeoutMs: 500, maxBatchLines: 10, maxQueuedBatches: 3 } }, env).influxdb,
    ).toEqual({
      ...NONE,
      url: 'http://env:8086',
      apiVersion: 2,
      org: 'env-org',
      bucket: 'b',
      token: 't',
      timeoutMs: 500,
      maxBatchLines: 10,
      maxQueuedBatches: 3,
    });
  });

  it.each([
    [{ influxdb: { database: 'd' } }, {}, 'influxdb.url', /required: the InfluxDB base URL/],
    [{}, { FEDSCOPE_INFLUXDB_DATABASE: 'd' }, 'FEDSCOPE_INFLUXDB_URL', /required/],
    [{ influxdb: { url: 'ftp://x' } }, {}, 'influxdb.url', /http:\/\/ or https:\/\//],
    [{}, { FEDSCOPE_INFLUXDB_URL: 'http://i:8086?db=x' }, 'FEDSCOPE_INFLUXDB_URL', /without a query/],
    [{ influxdb: { url: 'http://i:8086' } }, {}, 'influxdb.database', /a database \(InfluxDB 1\.x\), or org, bucket and token \(2\.x\)/],
    [{ influxdb: { url: 'http://i', database: 'd', token: 't' } }, {}, 'influxdb.token', /2\.x .* give one or the other/],
    [{ influxdb: { url: 'http://i', database: 'd' } }, { FEDSCOPE_INFLUXDB_ORG: 'o' }, 'FEDSCOPE_INFLUXDB_ORG', /one or the other/],
    [{ influxdb: { url: 'http://i', org: 'o', bucket: 'b' } }, {}, 'influxdb.token', /required for InfluxDB 2\.x/],
    [{ influxdb: { url: 'http://i', token: 't', bucket: 'b' } }, {}, 'influxdb.org', /required for InfluxDB 2\.x/],
    [{ influxdb: { url: 'http://i', org: 'o', bucket: 'b', token: 't', username: 'u' } }, {}, 'influxdb.username', /1\.x/],
    [{ influxdb: { url: 'http://i', database: 'd', username: 'u' } }, {}, 'influxdb.password', /username and a password/],
    [
      {},
      { FEDSCOPE_INFLUXDB_URL: 'http://i', FEDSCOPE_INFLUXDB_DATABASE: 'd', FEDSCOPE_INFLUXDB_PASSWORD: 'p' },
      'FEDSCOPE_INFLUXDB_USERNAME',
      /username and a password/,
    ],
    [{ influxdb: { url: 'http://i', database: 'd', username: 'a:b', password: 'p' } }, {}, 'influxdb.username', /may not contain ":"/],
    [{ influxdb: { url: 'http://i', database: 'd', maxBatchLines: 0 } }, {}, 'influxdb.maxBatchLines', /integer from 1 to 100000/],
    [{ influxdb: { url: 'http://i', database: 'd', timeoutMs: 1.5 } }, {}, 'influxdb.timeoutMs', /integer/],
    [{ influxdb: { url: 'http://i', database: 'd', maxQueuedBatches: 20_000 } }, {}, 'influxdb.maxQueuedBatches', /to 10000/],
    [{ influxdb: { url: 'http://i', database: 'd', db: 'x' } }, {}, 'influxdb.db', /unknown option/],
    [{ influxdb: { url: 'http://i', database: '' } }, {}, 'influxdb.database', /non-empty string/],
  ])('%j with %j: names %s', (options, env, field, problem) => {
    const error = errorOf(options, env);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(problem);
  });

  it('never shows a password or a token, not even a bad one, nor credentials in the URL', () => {
    const secret = 'hunter2-SECRET';
    const messages = [
      errorOf({ influxdb: { url: `http://admin:${secret}@i:8086`, database: 'd' } }),
      errorOf({ influxdb: { url: 'http://i', org: 'o', bucket: 'b', token: `${secret}\r\nX-Injected: 1` } }),
      errorOf(
        {},
        {
          FEDSCOPE_INFLUXDB_URL: 'http://i',
          FEDSCOPE_INFLUXDB_DATABASE: 'd',
          FEDSCOPE_INFLUXDB_USERNAME: 'u',
          FEDSCOPE_INFLUXDB_PASSWORD: `${secret}\nX`,
        },
      ),
      errorOf({ influxdb: { url: 'http://i', database: 'd', username: 'u', password: 12345 } }),
    ].map((error) => `${error.field}: ${error.message}`);
    expect(messages[0]).toMatch(/^influxdb\.url: .*must not hold credentials/);
    expect(messages[1]).toMatch(/^influxdb\.token: .*control character/);
    expect(messages[2]).toMatch(/^FEDSCOPE_INFLUXDB_PASSWORD: .*control character/);
    expect(messages[3]).toMatch(/^influxdb\.password: .*expected a non-empty string, got number$/);
    for (const message of messages) {
      expect(message).not.toContain(secret);
      expect(message).not.toContain('12345');
    }
  });
});
