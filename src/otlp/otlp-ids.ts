import { describeValue } from '../text/describe-value.js';
import { OtlpFieldError } from './otlp-field-error.js';
import type { WireId } from './wire-model.js';

const HEX = /^[0-9a-fA-F]*$/;
/** The hex of an all-zero 16-byte id; an 8-byte one is its first half. */
const ZERO_TRACE_ID = '0'.repeat(32);

/** Whether a lowercase hex id of 8 or 16 bytes (as {@link normaliseId} returns) is all zeros: one string comparison. */
export function isAllZeroId(hex: string): boolean {
  return ZERO_TRACE_ID.startsWith(hex);
}

/** Options of {@link normaliseId}. */
export interface IdRules {
  /** The field name for messages (`traceId`, `spanId`, `parentSpanId`, `links[0].traceId`, …). */
  readonly field: string;
  /** Required length in bytes: 16 for a trace id, 8 for a span id. */
  readonly bytes: 16 | 8;
  /** Accept an empty id (returned as `''`). */
  readonly allowEmpty: boolean;
  /** Accept an all-zero id (returned as is). */
  readonly allowZero: boolean;
}

/**
 * A trace or span id, from protobuf bytes or OTLP/JSON hex text (case-insensitive), as lowercase
 * hex.
 *
 * @throws OtlpFieldError `invalid <field> at <path>: expected 16 bytes, got 3` for a wrong length,
 *   non-hex text or a forbidden empty/all-zero id
 */
export function normaliseId(id: WireId, rules: IdRules, path: string): string {
  const what = `invalid ${rules.field}`;
  let hex: string;
  if (typeof id === 'string') {
    if (!HEX.test(id)) throw new OtlpFieldError(what, path, `expected ${rules.bytes * 2} hex digits, got ${describeValue(id)}`);
    if (id.length % 2 !== 0) throw new OtlpFieldError(what, path, `expected ${rules.bytes * 2} hex digits, got ${id.length}`);
    hex = id.toLowerCase();
  } else {
    // protobuf ids are Buffers already (Node's protobuf reader slices them); a view is made only for another Uint8Array.
    hex = (Buffer.isBuffer(id) ? id : Buffer.from(id.buffer, id.byteOffset, id.byteLength)).toString('hex');
  }
  const length = hex.length / 2;
  if (length === 0) {
    if (rules.allowEmpty) return '';
    throw new OtlpFieldError(what, path, `expected ${rules.bytes} bytes, got none`);
  }
  if (length !== rules.bytes) throw new OtlpFieldError(what, path, `expected ${rules.bytes} bytes, got ${length}`);
  if (!rules.allowZero && isAllZeroId(hex)) throw new OtlpFieldError(what, path, 'all-zero ids are invalid');
  return hex;
}
