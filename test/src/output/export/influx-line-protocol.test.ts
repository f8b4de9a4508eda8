import { describe, expect, it } from 'vitest';
import {
  encodeInfluxLine,
  escapeKey,
  escapeMeasurement,
  nanosecondsFromMillis,
  quoteStringField,
} from '../../../../src/output/export/influx-line-protocol.js';

describe('encodeInfluxLine', () => {
  it('writes measurement, sorted tags, fields and a nanosecond timestamp', () => {
    expect(
      encodeInfluxLine({
        measurement: 'fedscope_query',
        tags: { service: 'api', query: 'orders' },
        fields: { count: 12n, p95_ms: 41.5, ok: true, note: 'fine' },
        timestampNs: 1_765_000_000_123_000_000n,
      }),
    ).toBe('fedscope_query,query=orders,service=api count=12i,p95_ms=41.5,ok=true,note="fine" 1765000000123000000');
  });

  it('leaves the timestamp out when none is given (the server stamps the point)', () => {
    expect(encodeInfluxLine({ measurement: 'm', fields: { v: 1 } })).toBe('m v=1');
  });

  it('escapes commas and spaces in the measurement, and leaves = alone there', () => {
    expect(escapeMeasurement('cpu load,total=x')).toBe('cpu\\ load\\,total=x');
  });

  it('escapes commas, equals signs and spaces in tag keys, tag values and field keys', () => {
    expect(encodeInfluxLine({ measurement: 'm', tags: { 'k e,y=': 'v a,l=ue' }, fields: { 'f i,e=ld': 1 }, timestampNs: 1n })).toBe(
      'm,k\\ e\\,y\\==v\\ a\\,l\\=ue f\\ i\\,e\\=ld=1 1',
    );
  });

  it('quotes string fields, escaping " and \\ only', () => {
    expect(quoteStringField('say "hi" \\ o,k= ')).toBe('"say \\"hi\\" \\\\ o,k= "');
  });

  it('replaces newlines (CR, LF, CRLF runs) by one space in every part', () => {
    expect(
      encodeInfluxLine({ measurement: 'a\nb', tags: { 't\r\nk': 'x\n\ny' }, fields: { 'f\rk': 'line1\nline2' }, timestampNs: 5n }),
    ).toBe('a\\ b,t\\ k=x\\ y f\\ k="line1 line2" 5');
  });

  it('keeps a backslash before an ordinary character, and writes one the parser would read as an escape as ＼', () => {
    expect(escapeKey('a\\b')).toBe('a\\b');
    expect(escapeKey('end\\')).toBe('end＼');
    expect(escapeKey('a\\,b')).toBe('a＼\\,b');
    expect(escapeKey('a\\\\ b')).toBe('a\\＼\\ b');
    expect(escapeKey('k\\=v')).toBe('k＼\\=v');
    expect(escapeMeasurement('m\\')).toBe('m＼');
    expect(escapeMeasurement('m\\=x')).toBe('m\\=x'); // = is not special in a measurement
  });

  it('keeps unicode as it is', () => {
    expect(encodeInfluxLine({ measurement: 'mé', tags: { sërvice: 'ü ✓ 数据' }, fields: { v: 1 } })).toBe('mé,sërvice=ü\\ ✓\\ 数据 v=1');
  });

  it('leaves out empty and undefined tag values', () => {
    expect(encodeInfluxLine({ measurement: 'm', tags: { a: '', b: undefined, c: 'x' }, fields: { v: 1 } })).toBe('m,c=x v=1');
  });

  it('writes floats as JavaScript prints them and integers with i, within the signed 64-bit range', () => {
    const line = encodeInfluxLine({
      measurement: 'm',
      fields: { a: 2, b: -0, c: 1e21, d: 5e-324, e: -1.5e-7, f: 9_223_372_036_854_775_807n, g: -(2n ** 63n), h: 0.1 + 0.2 },
    });
    expect(line).toBe('m a=2,b=0,c=1e+21,d=5e-324,e=-1.5e-7,f=9223372036854775807i,g=-9223372036854775808i,h=0.30000000000000004');
  });

  it('drops NaN, ±Infinity, out-of-range integers, null and undefined fields; no field left is no line', () => {
    expect(
      encodeInfluxLine({
        measurement: 'm',
        fields: { a: NaN, b: Infinity, c: -Infinity, d: 2n ** 63n, e: -(2n ** 63n) - 1n, f: null, g: undefined, h: 1 },
      }),
    ).toBe('m h=1');
    expect(encodeInfluxLine({ measurement: 'm', tags: { t: 'x' }, fields: { a: NaN, b: null } })).toBeUndefined();
  });

  it.each([
    ['an empty measurement', { measurement: '', fields: { v: 1 } }, /measurement must not be empty/],
    ['a measurement starting with _', { measurement: '_m', fields: { v: 1 } }, /measurement/],
    ['a comment line', { measurement: '#m', fields: { v: 1 } }, /comment/],
    ['a tag key starting with _', { measurement: 'm', tags: { _field: 'x' }, fields: { v: 1 } }, /tag key/],
    ['the tag key time', { measurement: 'm', tags: { time: 'x' }, fields: { v: 1 } }, /tag key/],
    ['an empty tag key', { measurement: 'm', tags: { '': 'x' }, fields: { v: 1 } }, /tag key/],
    ['a field key starting with _', { measurement: 'm', fields: { _value: 1 } }, /field key/],
    ['the field key time', { measurement: 'm', fields: { time: 1 } }, /field key/],
  ])('refuses %s (a name is chosen by code, not data)', (_what, point, message) => {
    expect(() => encodeInfluxLine(point)).toThrow(RangeError);
    expect(() => encodeInfluxLine(point)).toThrow(message);
  });

  it('accepts tag values that start with _ or are "time" (only names are reserved)', () => {
    expect(encodeInfluxLine({ measurement: 'm', tags: { t: '_x', u: 'time' }, fields: { v: 1 } })).toBe('m,t=_x,u=time v=1');
  });
});

describe('nanosecondsFromMillis', () => {
  it('is exact past 2^53 nanoseconds', () => {
    expect(nanosecondsFromMillis(1_765_000_000_123)).toBe(1_765_000_000_123_000_000n);
    expect(nanosecondsFromMillis(0)).toBe(0n);
    expect(nanosecondsFromMillis(1.5)).toBe(1_500_000n);
    expect(nanosecondsFromMillis(-1)).toBe(-1_000_000n);
  });

  it('refuses a non-finite time', () => {
    expect(() => nanosecondsFromMillis(NaN)).toThrow(RangeError);
  });
});
