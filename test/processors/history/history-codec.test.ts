import { describe, expect, it } from 'vitest';
import { decodeHistory, encodeHistory, HISTORY_FORMAT_VERSION, seriesFileBytes } from '../../../processors/history/history-codec.js';
import { DEFAULT_HISTORY_TIERS, HistoryStore } from '../../../processors/history/history-store.js';
import type { HistoryDump } from '../../../processors/history/types.js';
import { ManualClock } from '../../../src/stats/manual-clock.js';
import { answersOf, filledStore, T0 } from './history-fixtures.js';

const layout = { tiers: DEFAULT_HISTORY_TIERS };

function decoded(bytes: Uint8Array): HistoryDump {
  const result = decodeHistory(bytes, layout);
  if (!result.ok) throw new Error(result.problem);
  return result.dump;
}

function problemOf(bytes: Uint8Array, tiers = DEFAULT_HISTORY_TIERS): string {
  const result = decodeHistory(bytes, { tiers });
  if (result.ok) throw new Error('decoded a file that should be refused');
  return result.problem;
}

describe('history codec', () => {
  it('round-trips a store: the restored store answers every query as the saved one did', () => {
    const { clock, store } = filledStore(12);
    const bytes = encodeHistory(store.dump());
    const restored = new HistoryStore({ clock: new ManualClock(clock.now()) });
    expect(restored.restore(decoded(bytes))).toEqual({ restored: 7, expired: 0, overLimit: 0 });
    expect(restored.seriesKeys()).toEqual(store.seriesKeys());
    expect(restored.seriesIndex()).toEqual(store.seriesIndex());
    const now = clock.now() / 1000;
    expect(answersOf(restored, T0, now)).toEqual(answersOf(store, T0, now));
    const overall = restored.query({ series: 'overall', from: T0, to: now, step: 10 });
    expect(overall).toMatchObject({ count: [6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6], alertTransitions: [{ alertname: 'Slow' }] });
    expect(restored.stats().alertTransitions).toBe(1);
  });

  it('is the rings plus a small header: 36 bytes a point, 4 more for the overall score', () => {
    const { store } = filledStore(1);
    const bytes = encodeHistory(store.dump());
    const slots = 360 + 1_440 + 1_008;
    expect(seriesFileBytes(slots, false)).toBe(36 * slots);
    expect(seriesFileBytes(slots, true)).toBe(40 * slots);
    const header = bytes.length - 6 * seriesFileBytes(slots, false) - seriesFileBytes(slots, true);
    expect(header).toBeGreaterThan(24);
    expect(header).toBeLessThan(2_000);
    expect(header % 8).toBe(0);
  });

  it('reads a copy at an unaligned offset (a pooled buffer) the same', () => {
    const { store } = filledStore(3);
    const bytes = encodeHistory(store.dump());
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const dump = decoded(shifted.subarray(3));
    expect(dump.series.map((s) => s.key)).toEqual(store.seriesKeys());
    expect([...dump.series[0]!.columns.count.slice(0, 4)]).toEqual([...store.dump().series[0]!.columns.count.slice(0, 4)]);
  });

  it('refuses a truncated file, a damaged one, another version, another magic and other tiers, naming the problem', () => {
    const { store } = filledStore(3);
    const bytes = encodeHistory(store.dump());
    expect(problemOf(bytes.subarray(0, 10))).toBe('truncated: 10 bytes, shorter than the 24-byte preamble');
    expect(problemOf(bytes.subarray(0, 100))).toMatch(/^truncated: 100 bytes, the header alone announces \d+$/);
    expect(problemOf(bytes.subarray(0, bytes.length - 1))).toBe(
      `truncated: ${bytes.length - 1} bytes, its header announces ${bytes.length}`,
    );
    const longer = new Uint8Array(bytes.length + 8);
    longer.set(bytes);
    expect(problemOf(longer)).toBe(`damaged: ${bytes.length + 8} bytes, its header announces ${bytes.length}`);

    const flipped = bytes.slice();
    flipped[bytes.length - 100] = flipped[bytes.length - 100]! ^ 0xff;
    expect(problemOf(flipped)).toBe('damaged: its checksum does not match its content');

    const header = bytes.slice();
    header[24] = 0x78; // 'x' for the JSON's opening brace
    expect(problemOf(header)).toBe('damaged: its header is not valid JSON');

    const version = bytes.slice();
    new DataView(version.buffer).setUint32(8, HISTORY_FORMAT_VERSION + 1, true);
    expect(problemOf(version)).toBe(`format version ${HISTORY_FORMAT_VERSION + 1}; this fedscope reads version ${HISTORY_FORMAT_VERSION}`);

    const foreign = new TextEncoder().encode('{"not":"a history file, but long enough"}');
    expect(problemOf(foreign)).toBe('not a fedscope history file (it does not start with FSCPHIST)');

    const tiers = [{ stepSeconds: 10, retentionSeconds: 600 }];
    expect(problemOf(bytes, tiers)).toBe(
      "written for other tiers (10 s for 3600 s, 60 s for 86400 s, 600 s for 604800 s) than this history's (10 s for 600 s)",
    );
  });

  it('refuses a header whose fields are not what they should be', () => {
    const { store } = filledStore(1);
    const dump = store.dump();
    const bad = { ...dump, series: [{ ...dump.series[0]!, labels: { service: 5 as unknown as string } }, ...dump.series.slice(1)] };
    expect(problemOf(encodeHistory(bad))).toBe('damaged: the labels of series overall are invalid');
  });

  it('leaves out, at restore, series unseen for the longest retention and those beyond maxSeries, and keeps the overall series', () => {
    const { clock, store } = filledStore(2);
    const bytes = encodeHistory(store.dump());
    const later = new HistoryStore({ clock: new ManualClock(clock.now() + 8 * 86_400_000) });
    expect(later.restore(decoded(bytes))).toEqual({ restored: 1, expired: 6, overLimit: 0 });
    expect(later.seriesKeys()).toEqual(['overall']);
    // Its points are older than every tier's retention: gaps, as for a history that was never down.
    const answer = later.query({ series: 'overall' });
    expect('count' in answer && answer.count.every((value) => value === null)).toBe(true);

    const small = new HistoryStore({ clock: new ManualClock(clock.now()), maxSeries: 3 });
    expect(small.restore(decoded(bytes))).toEqual({ restored: 3, expired: 0, overLimit: 4 });
    expect(small.seriesKeys()[0]).toBe('overall');
    expect(() => new HistoryStore({ tiers: [{ stepSeconds: 10, retentionSeconds: 600 }] }).restore(decoded(bytes))).toThrow(/saved tiers/);
  });
});
