import { crc32 } from 'node:zlib';
import type { AlertTransition } from '../alerts/types.js';
import type { HistorySeriesColumns } from './history-series.js';
import { describeTiers, sameTiers, slotsOf } from './history-tiers.js';
import type { DumpedSeries, HistoryDump, HistoryTier } from './types.js';

/**
 * The history file's format, version 1 (all integers little-endian):
 *
 * | bytes | what |
 * | --- | --- |
 * | 0–7 | magic `FSCPHIST` |
 * | 8–11 | format version (1) |
 * | 12–15 | header length H (a multiple of 8) |
 * | 16–19 | CRC-32 of every byte from 24 to the end |
 * | 20–23 | 0 |
 * | 24… | the header: JSON (tiers, slots per series, each series' key, labels, last tick and whether it keeps a score; the alert transitions), padded with spaces to H bytes |
 * | 24+H… | each series' columns in header order: point ids (int32), count and errors (float64), covered seconds, p50, p95, p99 and, when kept, the score (float32), each padded to 8 bytes |
 *
 * The rings are written as they are in memory: a save is one copy, a load a copy back, with no
 * number turned to text and back (JSON would be several times larger and slower on both ends);
 * the size is the rings' (36 bytes a point, 4 more for the score) plus a small header.
 */
export const HISTORY_FORMAT_VERSION = 1;
const MAGIC = 'FSCPHIST';
const PREAMBLE_BYTES = 24;
const ALIGN = 8;
const BYTE_ORDER = 'LE';
/** The columns of a series in file order, with their element size in bytes. */
const COLUMNS = [
  ['pointId', 4],
  ['count', 8],
  ['errors', 8],
  ['covered', 4],
  ['p50', 4],
  ['p95', 4],
  ['p99', 4],
] as const;
const SCORE_BYTES = 4;

/** What a decoded file is checked against. */
export interface HistoryLayout {
  /** The tiers of the history that loads it. */
  tiers: readonly HistoryTier[];
}

/** A decoded file, or why it cannot be used (one sentence, for a log line). */
export type HistoryDecodeResult = { ok: true; dump: HistoryDump } | { ok: false; problem: string };

/** The header as the file holds it. */
interface FileHeader {
  byteOrder: string;
  savedAtSeconds: number;
  tiers: HistoryTier[];
  slotsPerSeries: number;
  percentileWindowSeconds: number | null;
  series: Array<{ key: string; labels: Record<string, string>; lastSeenSeconds: number; score: boolean }>;
  alertTransitions: AlertTransition[];
}

/** Bytes of one series' columns in the file. */
export function seriesFileBytes(slots: number, withScore: boolean): number {
  let bytes = 0;
  for (const [, size] of COLUMNS) bytes += padded(slots * size);
  return bytes + (withScore ? padded(slots * SCORE_BYTES) : 0);
}

/**
 * A dump being encoded piece by piece, so that a save never holds the whole file in memory nor
 * blocks the event loop for the whole copy: {@link HistoryEncoder.chunks} yields the header,
 * then each series' columns, copied when that chunk is asked for (a series is consistent in
 * itself; two series may be a tick apart when a tick runs between two chunks); once every chunk
 * was taken, {@link HistoryEncoder.head} gives the 24 bytes to write over the file's start, with
 * the checksum of what was yielded.
 */
export interface HistoryEncoder {
  /** Bytes of the whole file. */
  readonly byteLength: number;
  /** The chunks in file order; a chunk's bytes are valid until the next one is asked for. */
  chunks(): Generator<Uint8Array>;
  /** The file's first 24 bytes with the checksum; call it after the last chunk. */
  head(): Uint8Array;
}

/** Starts encoding a dump (see {@link HISTORY_FORMAT_VERSION} for the format). */
export function historyEncoder(dump: HistoryDump): HistoryEncoder {
  const slots = slotsOf(dump.tiers);
  const header: FileHeader = {
    byteOrder: BYTE_ORDER,
    savedAtSeconds: dump.savedAtSeconds,
    tiers: dump.tiers,
    slotsPerSeries: slots,
    percentileWindowSeconds: dump.percentileWindowSeconds,
    series: dump.series.map((series) => ({
      key: series.key,
      labels: series.labels,
      lastSeenSeconds: series.lastSeenSeconds,
      score: series.columns.score !== undefined,
    })),
    alertTransitions: dump.alertTransitions,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = padded(json.length);
  let byteLength = PREAMBLE_BYTES + headerBytes;
  for (const series of dump.series) byteLength += seriesFileBytes(slots, series.columns.score !== undefined);
  let checksum = 0;
  let done = false;
  return {
    byteLength,
    *chunks() {
      const first = new Uint8Array(PREAMBLE_BYTES + headerBytes);
      first.set(json, PREAMBLE_BYTES);
      // JSON allows trailing spaces: the padding keeps the columns 8-byte aligned.
      first.fill(0x20, PREAMBLE_BYTES + json.length);
      checksum = crc32(first.subarray(PREAMBLE_BYTES));
      yield first;
      // One buffer for every series, reused: the caller writes a chunk before asking for the next.
      const buffer = new Uint8Array(seriesFileBytes(slots, true));
      for (const series of dump.series) {
        let offset = 0;
        for (const column of columnsOf(series.columns)) {
          if (column.length !== slots) throw new RangeError(`history: series ${series.key} has ${column.length} slots, the tiers ${slots}`);
          buffer.set(new Uint8Array(column.buffer, column.byteOffset, column.byteLength), offset);
          const end = offset + padded(column.byteLength);
          buffer.fill(0, offset + column.byteLength, end);
          offset = end;
        }
        const chunk = buffer.subarray(0, offset);
        checksum = crc32(chunk, checksum);
        yield chunk;
      }
      done = true;
    },
    head() {
      if (!done) throw new Error('history: the head is known once every chunk was taken');
      const head = new Uint8Array(PREAMBLE_BYTES);
      const view = new DataView(head.buffer);
      for (let i = 0; i < MAGIC.length; i++) head[i] = MAGIC.charCodeAt(i);
      view.setUint32(8, HISTORY_FORMAT_VERSION, true);
      view.setUint32(12, headerBytes, true);
      view.setUint32(16, checksum, true);
      return head;
    },
  };
}

/** Encodes a dump into the whole file's bytes at once (see {@link historyEncoder}, which a save uses). */
export function encodeHistory(dump: HistoryDump): Uint8Array {
  const encoder = historyEncoder(dump);
  const bytes = new Uint8Array(encoder.byteLength);
  let offset = 0;
  for (const chunk of encoder.chunks()) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  bytes.set(encoder.head(), 0);
  return bytes;
}

/**
 * Decodes a history file and checks it against the loading history's tiers. Never throws: a
 * file that is not one, truncated, damaged, of another version, byte order or tiers gives the
 * problem in one sentence. The columns of the answer may be views on `input` (copy them before
 * `input` changes).
 */
export function decodeHistory(input: Uint8Array, layout: HistoryLayout): HistoryDecodeResult {
  try {
    return decode(input, layout);
  } catch (error) {
    return { ok: false, problem: `unreadable: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function decode(input: Uint8Array, layout: HistoryLayout): HistoryDecodeResult {
  if (input.length < PREAMBLE_BYTES) return fail(`truncated: ${input.length} bytes, shorter than the ${PREAMBLE_BYTES}-byte preamble`);
  // Typed-array views need aligned offsets: a buffer that starts unaligned is copied once.
  const bytes = input.byteOffset % ALIGN === 0 ? input : input.slice();
  const magic = String.fromCharCode(...bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC) return fail(`not a fedscope history file (it does not start with ${MAGIC})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== HISTORY_FORMAT_VERSION) return fail(`format version ${version}; this fedscope reads version ${HISTORY_FORMAT_VERSION}`);
  const headerBytes = view.getUint32(12, true);
  if (PREAMBLE_BYTES + headerBytes > bytes.length)
    return fail(`truncated: ${bytes.length} bytes, the header alone announces ${PREAMBLE_BYTES + headerBytes}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + headerBytes)));
  } catch {
    return fail('damaged: its header is not valid JSON');
  }
  const shape = headerProblem(parsed);
  if (shape !== undefined) return fail(`damaged: ${shape}`);
  const header = parsed as FileHeader;
  let expected = PREAMBLE_BYTES + headerBytes;
  for (const series of header.series) expected += seriesFileBytes(header.slotsPerSeries, series.score);
  if (bytes.length < expected) return fail(`truncated: ${bytes.length} bytes, its header announces ${expected}`);
  if (bytes.length > expected) return fail(`damaged: ${bytes.length} bytes, its header announces ${expected}`);
  if (view.getUint32(16, true) !== crc32(bytes.subarray(PREAMBLE_BYTES))) return fail('damaged: its checksum does not match its content');
  if (header.byteOrder !== BYTE_ORDER || !littleEndian()) return fail(`written in byte order ${header.byteOrder}, this machine's differs`);
  if (!sameTiers(header.tiers, layout.tiers))
    return fail(`written for other tiers (${describeTiers(header.tiers)}) than this history's (${describeTiers(layout.tiers)})`);
  if (header.slotsPerSeries !== slotsOf(layout.tiers))
    return fail(`damaged: ${header.slotsPerSeries} slots per series, the tiers make ${slotsOf(layout.tiers)}`);

  const slots = header.slotsPerSeries;
  let offset = PREAMBLE_BYTES + headerBytes;
  const take = <T>(make: (buffer: ArrayBufferLike, byteOffset: number, length: number) => T, size: number): T => {
    const column = make(bytes.buffer, bytes.byteOffset + offset, slots);
    offset += padded(slots * size);
    return column;
  };
  const int32 = (buffer: ArrayBufferLike, at: number, length: number) => new Int32Array(buffer, at, length);
  const float64 = (buffer: ArrayBufferLike, at: number, length: number) => new Float64Array(buffer, at, length);
  const float32 = (buffer: ArrayBufferLike, at: number, length: number) => new Float32Array(buffer, at, length);
  const series: DumpedSeries[] = header.series.map((entry) => {
    const columns: HistorySeriesColumns = {
      pointId: take(int32, 4),
      count: take(float64, 8),
      errors: take(float64, 8),
      covered: take(float32, 4),
      p50: take(float32, 4),
      p95: take(float32, 4),
      p99: take(float32, 4),
      score: entry.score ? take(float32, SCORE_BYTES) : undefined,
    };
    return { key: entry.key, labels: entry.labels, lastSeenSeconds: entry.lastSeenSeconds, columns };
  });
  return {
    ok: true,
    dump: {
      savedAtSeconds: header.savedAtSeconds,
      tiers: header.tiers,
      percentileWindowSeconds: header.percentileWindowSeconds,
      series,
      alertTransitions: header.alertTransitions,
    },
  };
}

/** What is wrong with a parsed header's shape, `undefined` when nothing. */
function headerProblem(header: unknown): string | undefined {
  if (!isObject(header)) return 'its header is not an object';
  if (typeof header['byteOrder'] !== 'string') return 'its header has no byte order';
  if (!isNumber(header['savedAtSeconds'])) return 'its header has no save time';
  const tiers = header['tiers'];
  if (
    !Array.isArray(tiers) ||
    tiers.length === 0 ||
    !tiers.every((t) => isObject(t) && isNumber(t['stepSeconds']) && isNumber(t['retentionSeconds']))
  )
    return 'its header has no valid tiers';
  const slots = header['slotsPerSeries'];
  if (!Number.isInteger(slots) || (slots as number) < 1) return 'its header has no valid slot count';
  const window = header['percentileWindowSeconds'];
  if (window !== null && !isNumber(window)) return 'its header has an invalid percentile window';
  const series = header['series'];
  if (!Array.isArray(series)) return 'its header has no series list';
  for (const entry of series) {
    if (!isObject(entry) || typeof entry['key'] !== 'string' || !isNumber(entry['lastSeenSeconds']) || typeof entry['score'] !== 'boolean')
      return 'a series in its header is invalid';
    const labels = entry['labels'];
    if (!isObject(labels) || !Object.values(labels).every((value) => typeof value === 'string'))
      return `the labels of series ${entry['key']} are invalid`;
  }
  const transitions = header['alertTransitions'];
  if (
    !Array.isArray(transitions) ||
    !transitions.every((t) => isObject(t) && typeof t['at'] === 'string' && typeof t['alertname'] === 'string')
  )
    return 'its alert transitions are invalid';
  return undefined;
}

type Column = Int32Array | Float64Array | Float32Array;

function columnsOf(columns: HistorySeriesColumns): Column[] {
  const list: Column[] = COLUMNS.map(([name]) => columns[name]);
  if (columns.score) list.push(columns.score);
  return list;
}

function padded(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

function littleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function fail(problem: string): HistoryDecodeResult {
  return { ok: false, problem };
}
