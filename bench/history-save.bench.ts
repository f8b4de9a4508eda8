import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { decodeHistory, encodeHistory, historyEncoder } from '../dist/processors/history/history-codec.js';
import { HistoryPersistence } from '../dist/processors/history/history-persistence.js';
import { DEFAULT_HISTORY_TIERS, HistoryStore } from '../dist/processors/history/history-store.js';
import type { HistoryDump } from '../dist/processors/history/types.js';
import { ManualClock } from '../dist/src/stats/manual-clock.js';
import { round, timeAsync, timeSync } from './measure.js';
import type { BenchEntry } from './types.js';

const SERIES = 200;

/** A dump of `SERIES` series whose every slot of every tier holds a point (the largest a default history gets). */
function fullDump(nowSeconds: number): HistoryDump {
  const slots = DEFAULT_HISTORY_TIERS.reduce((sum, tier) => sum + tier.retentionSeconds / tier.stepSeconds, 0);
  const series = Array.from({ length: SERIES }, (_, index) => {
    const withScore = index === 0;
    const columns = {
      pointId: new Int32Array(slots),
      count: new Float64Array(slots),
      errors: new Float64Array(slots),
      covered: new Float32Array(slots),
      p50: new Float32Array(slots),
      p95: new Float32Array(slots),
      p99: new Float32Array(slots),
      score: withScore ? new Float32Array(slots) : undefined,
    };
    let offset = 0;
    for (const tier of DEFAULT_HISTORY_TIERS) {
      const capacity = tier.retentionSeconds / tier.stepSeconds;
      const latest = Math.floor(nowSeconds / tier.stepSeconds);
      for (let id = latest - capacity + 1; id <= latest; id++) {
        const slot = offset + (id % capacity);
        columns.pointId[slot] = id;
        columns.count[slot] = 100 + ((id * 7 + index) % 900);
        columns.errors[slot] = id % 5;
        columns.covered[slot] = tier.stepSeconds;
        // Percentiles as the sketches give them: not round numbers.
        columns.p50[slot] = 3.1 + (id % 11) * 0.173;
        columns.p95[slot] = 20.3 + (id % 37) * 0.619;
        columns.p99[slot] = 80.7 + (id % 53) * 1.137;
        if (columns.score) columns.score[slot] = 70 + (id % 30);
      }
      offset += capacity;
    }
    const key = index === 0 ? 'overall' : `query:service-${index % 7}/query-number-${index}`;
    const labels: Record<string, string> = index === 0 ? {} : { service: `service-${index % 7}`, query: `query-number-${index}` };
    return { key, labels, lastSeenSeconds: nowSeconds, columns };
  });
  return {
    savedAtSeconds: nowSeconds,
    tiers: DEFAULT_HISTORY_TIERS.map((tier) => ({ ...tier })),
    percentileWindowSeconds: 60,
    series,
    alertTransitions: [],
  };
}

/** What the history would write as JSON instead (the columns as number arrays): the baseline. */
function asJson(dump: HistoryDump): string {
  return JSON.stringify({
    ...dump,
    series: dump.series.map((series) => ({
      ...series,
      columns: Object.fromEntries(
        Object.entries(series.columns).map(([name, column]) => [name, column ? Array.from(column as ArrayLike<number>) : null]),
      ),
    })),
  });
}

const entry: BenchEntry = {
  id: 'history-save',
  async run() {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const clock = new ManualClock(nowSeconds * 1000);
    const store = new HistoryStore({ clock });
    store.restore(fullDump(nowSeconds));
    const dir = mkdtempSync(join(tmpdir(), 'fedscope-bench-history-'));
    try {
      const persistence = new HistoryPersistence(store, { dir });
      persistence.load();
      // What a save does on the event loop: the header, then each series' copy (one at a time, written in between).
      let longestChunkNs = 0;
      const encode = timeSync(
        () => {
          const encoder = historyEncoder(store.dump());
          let begin = process.hrtime.bigint();
          for (const _chunk of encoder.chunks()) {
            const now = process.hrtime.bigint();
            longestChunkNs = Math.max(longestChunkNs, Number(now - begin));
            begin = now;
          }
          encoder.head();
        },
        3,
        9,
      );
      const bytes = encodeHistory(store.dump());
      const decode = timeSync(() => decodeHistory(bytes, { tiers: DEFAULT_HISTORY_TIERS }), 3, 9);
      // The whole save: encode on the event loop, then write, fsync, rename and fsync the directory off it.
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      const save = await timeAsync(() => persistence.save(), 1, 9);
      delay.disable();
      const fileBytes = statSync(join(dir, 'history.bin')).size;
      const load = timeSync(() => new HistoryPersistence(new HistoryStore({ clock }), { dir }).load(), 1, 5);
      const json = timeSync(() => asJson(store.dump()), 1, 3);
      const jsonBytes = Buffer.byteLength(asJson(store.dump()));
      const ms = (ns: number) => round(ns / 1e6);
      return [
        {
          title: `history persistence: ${SERIES} full series (default tiers, ${store.stats().bytes.toLocaleString('en')} bytes in memory)`,
          columns: ['step', 'ms (median)', 'bytes', 'vs JSON'],
          rows: [
            [
              'encode: every chunk, summed (on the event loop)',
              ms(encode.nsPerOp),
              bytes.byteLength,
              `${round(json.nsPerOp / encode.nsPerOp)}x faster`,
            ],
            ['encode: the longest chunk (one series, or the header)', ms(longestChunkNs), '', ''],
            ['save (encode + write, fsync, rename, fsync dir)', ms(save.nsPerOp), fileBytes, `${round(jsonBytes / fileBytes)}x smaller`],
            ['decode', ms(decode.nsPerOp), '', ''],
            ['load at start (read + decode + restore)', ms(load.nsPerOp), '', ''],
            ['baseline: JSON.stringify of the same columns', ms(json.nsPerOp), jsonBytes, '1x'],
          ],
          notes: [
            `Longest event-loop delay seen during the saves: ${round(delay.max / 1e6)} ms (a chunk's copy, or a GC; the writes and fsync run in libuv's thread pool).`,
            'A save runs every 60 s and at shutdown; the file is bounded by maxSeries (36 bytes a point, 4 more for the overall score, plus a header).',
          ],
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default entry;
