import { FedscopeConfigError } from '../diagnostics/fedscope-config-error.js';
import { closestWord } from '../text/closest-word.js';
import { describeValue } from '../text/describe-value.js';

/** Something that may be a plain object (not null, not an array). */
export type PlainObject = Record<string, unknown>;

/** Checks that `value` is a plain object whose keys are all among `allowed`. */
export function expectObject(field: string, value: unknown, allowed: readonly string[]): PlainObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FedscopeConfigError(field === '' ? 'options' : field, `expected an object, got ${describeValue(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const hint = closestWord(key, allowed);
      throw new FedscopeConfigError(
        field === '' ? key : `${field}.${key}`,
        `unknown option${hint ? ` (did you mean '${hint}'?)` : ''}; allowed: ${allowed.join(', ')}`,
      );
    }
  }
  return value as PlainObject;
}

/** Checks an optional boolean. */
export function expectBoolean(field: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new FedscopeConfigError(field, `expected true or false, got ${describeValue(value)}`);
  return value;
}

/** Checks an optional non-empty string. */
export function expectString(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new FedscopeConfigError(field, `expected a non-empty string, got ${describeValue(value)}`);
  }
  return value;
}

/** Checks an optional value against a closed set of strings. */
export function expectOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new FedscopeConfigError(field, `expected one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describeValue(value)}`);
  }
  return value as T;
}

/** Checks an optional finite number within [min, max], optionally an integer. */
export function expectNumber(field: string, value: unknown, range: { min: number; max: number; integer?: boolean }): number | undefined {
  if (value === undefined) return undefined;
  const ok = typeof value === 'number' && Number.isFinite(value) && (!range.integer || Number.isInteger(value));
  if (!ok || value < range.min || value > range.max) {
    const what = range.integer ? 'an integer' : 'a number';
    throw new FedscopeConfigError(field, `expected ${what} from ${range.min} to ${range.max}, got ${describeValue(value)}`);
  }
  return value;
}

/** Checks an optional absolute http(s) URL. */
export function expectHttpUrl(field: string, value: unknown): string | undefined {
  const text = expectString(field, value);
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FedscopeConfigError(field, `expected an absolute http(s) URL, got ${describeValue(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FedscopeConfigError(field, `expected an http:// or https:// URL, got protocol '${url.protocol}'`);
  }
  return text;
}

/**
 * An http(s) base URL without credentials, query or fragment (paths are appended to it), returned
 * without its trailing slashes. The URL itself is never echoed in the error: it may hold a password.
 * @param why - what the messages add: why credentials are refused and an example of a base URL
 */
export function expectHttpBaseUrl(field: string, value: unknown, why: { credentials: string; example: string }): string | undefined {
  const text = expectHttpUrl(field, value);
  if (text === undefined) return undefined;
  const url = new URL(text);
  if (url.username !== '' || url.password !== '') throw new FedscopeConfigError(field, `must not hold credentials: ${why.credentials}`);
  if (url.search !== '' || url.hash !== '')
    throw new FedscopeConfigError(field, `expected a base URL without a query or fragment (e.g. ${why.example})`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** An HTTP header name: an RFC 9110 token. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Control characters other than horizontal tab: a CR or LF would split the request's headers. */
const HEADER_VALUE_FORBIDDEN = /[\x00-\x08\x0a-\x1f\x7f]/;

/**
 * Checks optional HTTP headers: names must be tokens, values free of control characters (CR, LF,
 * NUL, … — a tab is allowed). Errors name the header, never its value (it may be a secret).
 */
export function expectHeaders(field: string, value: unknown): Record<string, string> | undefined {
  const headers = expectStringRecord(field, value);
  if (headers === undefined) return undefined;
  for (const [name, item] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) throw new FedscopeConfigError(field, `${describeValue(name)} is not a valid header name`);
    if (HEADER_VALUE_FORBIDDEN.test(item))
      throw new FedscopeConfigError(
        `${field}.${name}`,
        'the value has a control character (CR, LF, NUL, …), which would split or corrupt the request',
      );
  }
  return headers;
}

/**
 * Headers written as `OTEL_EXPORTER_OTLP_HEADERS` writes them: `name=value` pairs separated by
 * commas, names and values percent-encoded (`authorization=Bearer%20abc`), then checked as
 * {@link expectHeaders} checks them. Errors name the field and the header, never a value.
 * @param field - what an error names (a variable, a flag, a key in a file)
 * @param text - the pairs
 * @param into - pairs already read (a later one with the same name wins)
 */
export function parseHeaderPairs(field: string, text: string, into: Record<string, string> = {}): Record<string, string> {
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new FedscopeConfigError(field, 'expected name=value pairs separated by commas (a pair without a name or an =)');
    let name: string;
    try {
      name = decodeURIComponent(pair.slice(0, eq).trim());
    } catch {
      throw new FedscopeConfigError(field, 'invalid percent-encoding in a header name');
    }
    try {
      into[name] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      throw new FedscopeConfigError(`${field}.${name}`, 'invalid percent-encoding in the value');
    }
  }
  expectHeaders(field, into);
  return into;
}

/** Checks an optional record of string values (e.g. headers). */
export function expectStringRecord(field: string, value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const obj = expectObject(field, value, Object.keys(value as object));
  for (const [key, item] of Object.entries(obj)) {
    if (typeof item !== 'string') throw new FedscopeConfigError(`${field}.${key}`, `expected a string, got ${describeValue(item)}`);
  }
  return obj as Record<string, string>;
}
