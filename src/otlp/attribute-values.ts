import type { AttributeValue } from '@opentelemetry/api';
import type { DecodedAttributes, KvlistMode } from './trace-model.js';
import type { WireAnyValue, WireKeyValue } from './wire-model.js';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** An OTLP int64 as a JS number when it is exactly representable, else as a decimal string. */
export function int64ToAttribute(value: bigint): number | string {
  return value <= MAX_SAFE && value >= MIN_SAFE ? Number(value) : value.toString();
}

function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Sets a key even when it is `__proto__`, which plain assignment would treat as the prototype. */
function setOwn(target: DecodedAttributes, key: string, value: AttributeValue): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function hasOwn(target: DecodedAttributes, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(target, key);
}

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A plain JSON rendering of any AnyValue (used for maps in `'json'` mode and for nested arrays). */
function toJsonValue(value: WireAnyValue): JsonValue {
  switch (value.type) {
    case 'empty':
      return null;
    case 'string':
    case 'bool':
      return value.value;
    case 'int':
      return int64ToAttribute(value.value);
    case 'double':
      return Number.isFinite(value.value) ? value.value : String(value.value);
    case 'bytes':
      return bytesToBase64(value.value);
    case 'array':
      return value.values.map(toJsonValue);
    case 'kvlist': {
      const object: { [key: string]: JsonValue } = Object.create(null) as { [key: string]: JsonValue };
      for (const entry of value.values) object[entry.key] = toJsonValue(entry.value);
      return object;
    }
  }
}

type Scalar = string | number | boolean | null;

/**
 * An OTLP array as an API attribute: a homogeneous array of strings, numbers or booleans (empty
 * elements become `null`, bytes become base64 strings); an array of numbers holding an int64 that
 * does not fit a JS number becomes an array of decimal strings; anything else (mixed types,
 * nested arrays or maps) becomes its JSON text.
 */
function arrayToAttribute(values: readonly WireAnyValue[]): AttributeValue {
  const scalars: Scalar[] = [];
  let kind: 'string' | 'number' | 'boolean' | undefined;
  let unsafeInt = false;
  for (const element of values) {
    let scalar: string | number | boolean;
    let scalarKind: 'string' | 'number' | 'boolean';
    switch (element.type) {
      case 'empty':
        scalars.push(null);
        continue;
      case 'array':
      case 'kvlist':
        return JSON.stringify(values.map(toJsonValue));
      case 'int':
        scalar = int64ToAttribute(element.value);
        if (typeof scalar === 'string') unsafeInt = true;
        scalarKind = 'number';
        break;
      case 'bytes':
        scalar = bytesToBase64(element.value);
        scalarKind = 'string';
        break;
      case 'string':
        scalar = element.value;
        scalarKind = 'string';
        break;
      case 'double':
        scalar = element.value;
        scalarKind = 'number';
        break;
      case 'bool':
        scalar = element.value;
        scalarKind = 'boolean';
        break;
    }
    if (kind !== undefined && kind !== scalarKind) return JSON.stringify(values.map(toJsonValue));
    kind = scalarKind;
    scalars.push(scalar);
  }
  if (unsafeInt) return scalars.map((scalar) => (scalar === null ? null : String(scalar)));
  return scalars as AttributeValue;
}

/** One non-map AnyValue as an API attribute value; undefined for an empty AnyValue. */
function scalarToAttribute(value: Exclude<WireAnyValue, { type: 'kvlist' }>): AttributeValue | undefined {
  switch (value.type) {
    case 'empty':
      return undefined;
    case 'string':
    case 'bool':
    case 'double':
      return value.value;
    case 'int':
      return int64ToAttribute(value.value);
    case 'bytes':
      return bytesToBase64(value.value);
    case 'array':
      return arrayToAttribute(value.values);
  }
}

function flattenInto(target: DecodedAttributes, prefix: string, entries: readonly WireKeyValue[]): void {
  for (const entry of entries) {
    if (entry.value.type === 'kvlist') continue;
    const key = prefix + entry.key;
    const value = scalarToAttribute(entry.value);
    if (value !== undefined && !hasOwn(target, key)) setOwn(target, key, value);
  }
  for (const entry of entries) {
    if (entry.value.type === 'kvlist') flattenInto(target, `${prefix}${entry.key}.`, entry.value.values);
  }
}

/**
 * OTLP key/values as a flat API attribute map.
 *
 * - string, bool, double: as is; int64: a number when safe, else a decimal string; bytes: base64.
 * - arrays: homogeneous primitive arrays as is (see the array rules above), others as JSON text.
 * - maps (`kvlistValue`): flattened to dotted keys, or JSON text, by `kvlistMode`. Flattened keys
 *   never overwrite a key set directly in the same list.
 * - an empty AnyValue: the attribute is left out (the API has no null attribute).
 * - a key sent twice: the last one wins.
 */
export function toAttributes(entries: readonly WireKeyValue[], kvlistMode: KvlistMode = 'flatten'): DecodedAttributes {
  const target: DecodedAttributes = {};
  for (const entry of entries) {
    if (entry.value.type === 'kvlist') {
      if (kvlistMode === 'json') setOwn(target, entry.key, JSON.stringify(toJsonValue(entry.value)));
      continue;
    }
    const value = scalarToAttribute(entry.value);
    if (value !== undefined) setOwn(target, entry.key, value);
    else if (hasOwn(target, entry.key)) delete target[entry.key];
  }
  if (kvlistMode === 'flatten') {
    for (const entry of entries) {
      if (entry.value.type === 'kvlist') flattenInto(target, `${entry.key}.`, entry.value.values);
    }
  }
  return target;
}
