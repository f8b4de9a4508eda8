import type { EvidenceValue, SuggestionKind, TraceAnalysis } from './types.js';

/** Totals of one stage or source over some traces. */
export interface KeyTotals {
  kind: 'stage' | 'source';
  name: string;
  /** Traces in which it was on the critical path. */
  traces: number;
  /** Traces in which it held the most critical-path time of its kind. */
  bottleneck: number;
  /** Σ critical-path ms. */
  criticalMs: number;
  /** Σ share of the trace's duration. */
  share: number;
}

/** Totals of one suggestion candidate over some traces. */
export interface CandidateTotals {
  kind: SuggestionKind;
  subject: string;
  /** Traces that showed it. */
  count: number;
  /** Σ saving ms. */
  savingMs: number;
  /** Σ duration of the traces that showed it. */
  durationMs: number;
  /** Σ of each figure over the traces that showed it. */
  figures: { [key: string]: number };
  /** Evidence of the latest trace that showed it. */
  evidence: { [key: string]: EvidenceValue };
}

/** Everything a window holds for one federated query (one time slot, or several merged). */
export interface WindowTotals {
  traces: number;
  durationMs: number;
  keys: Map<string, KeyTotals>;
  candidates: Map<string, CandidateTotals>;
  fanOutGroups: number;
  efficiencySum: number;
  skewSum: number;
  queueSum: number;
  cacheLookups: number;
  cacheHits: number;
  cacheMissCriticalMs: number;
  rowsFetched: number;
  rowsReturned: number;
  /** Traces that reported both rows fetched and returned. */
  rowsTraces: number;
}

/** Key name used once a query holds `maxKeys` distinct stages/sources/candidates. */
export const OTHER_KEY = '(other)';

/** One time slot: its totals and their stage and source entries by name. */
interface Slot {
  index: number;
  totals: WindowTotals;
  /**
   * The entries of `totals.keys` by kind and name: a trace's stages and sources are found without
   * building the `kind\0name` key, a new string to hash on every trace.
   */
  byName: Record<KeyTotals['kind'], Map<string, KeyTotals>>;
}

/**
 * Per-query windowed totals of trace analyses: a ring of fixed time slots (aligned on multiples
 * of the slot width), each holding the sums of the traces analysed in it. A window is the merge
 * of its newest slots, so its edge granularity is one slot. Memory grows with activity only: an
 * empty slot holds two empty maps, and each slot holds at most `maxKeys` keys.
 */
export class BottleneckWindow {
  private readonly slots: Slot[];
  private overflowedKeys = 0;
  /** Clock time of the latest record, for idle expiry. */
  lastUpdateMs: number;

  /**
   * @param slotMs - width of one slot
   * @param slotCount - slots in the ring (covers the longest window)
   * @param maxKeys - most stage/source keys and most suggestion candidates per slot
   * @param createdAtMs - creation time, the idle clock's start
   */
  constructor(
    private readonly slotMs: number,
    slotCount: number,
    private readonly maxKeys: number,
    createdAtMs: number,
  ) {
    this.slots = Array.from({ length: slotCount }, () => ({
      index: Number.NEGATIVE_INFINITY,
      totals: emptyTotals(),
      byName: emptyIndex(),
    }));
    this.lastUpdateMs = createdAtMs;
  }

  /** Keys that went to the `(other)` entry because a slot was full. */
  get overflowed(): number {
    return this.overflowedKeys;
  }

  /** Adds one trace analysis at `nowMs`. */
  record(analysis: TraceAnalysis, nowMs: number): void {
    this.lastUpdateMs = nowMs;
    const slot = this.slotAt(nowMs);
    const t = slot.totals;
    t.traces++;
    t.durationMs += analysis.durationMs;
    for (const share of analysis.stages)
      this.addKey(slot, share.kind, share.name, share.ms, share.share, analysis.bottleneckStage?.name === share.name);
    for (const share of analysis.sources)
      this.addKey(slot, share.kind, share.name, share.ms, share.share, analysis.bottleneckSource?.name === share.name);
    for (const c of analysis.candidates) {
      const key = `${c.kind}\u0000${c.subject}`;
      let entry = t.candidates.get(key);
      if (entry === undefined) {
        if (t.candidates.size >= this.maxKeys) {
          this.overflowedKeys++;
          continue;
        }
        entry = { kind: c.kind, subject: c.subject, count: 0, savingMs: 0, durationMs: 0, figures: {}, evidence: c.evidence };
        t.candidates.set(key, entry);
      }
      entry.count++;
      entry.savingMs += c.savingMs;
      entry.durationMs += analysis.durationMs;
      addFigures(entry.figures, c.figures);
      entry.evidence = c.evidence;
    }
    for (const f of analysis.fanOuts) {
      t.fanOutGroups++;
      t.efficiencySum += f.efficiency;
      t.skewSum += f.skew;
      t.queueSum += f.meanQueueMs;
    }
    t.cacheLookups += analysis.cacheLookups;
    t.cacheHits += analysis.cacheHits;
    t.cacheMissCriticalMs += analysis.cacheMissCriticalMs;
    if (analysis.rowsFetched !== undefined && analysis.rowsReturned !== undefined) {
      t.rowsFetched += analysis.rowsFetched;
      t.rowsReturned += analysis.rowsReturned;
      t.rowsTraces++;
    }
  }

  /** The merged totals of the slots within the last `windowMs` at `nowMs`. */
  totals(windowMs: number, nowMs: number): WindowTotals {
    const newest = Math.floor(nowMs / this.slotMs);
    const oldest = newest - Math.max(1, Math.ceil(windowMs / this.slotMs)) + 1;
    const out = emptyTotals();
    for (const slot of this.slots) {
      if (slot.index < oldest || slot.index > newest) continue;
      mergeInto(out, slot.totals);
    }
    return out;
  }

  private slotAt(nowMs: number): Slot {
    const index = Math.floor(nowMs / this.slotMs);
    const n = this.slots.length;
    const slot = this.slots[((index % n) + n) % n] as Slot;
    if (slot.index !== index) {
      slot.index = index;
      slot.totals = emptyTotals();
      slot.byName = emptyIndex();
    }
    return slot;
  }

  private addKey(slot: Slot, kind: KeyTotals['kind'], name: string, ms: number, share: number, bottleneck: boolean): void {
    const t = slot.totals;
    const byName = slot.byName[kind];
    let entry = byName.get(name);
    if (entry === undefined) {
      if (t.keys.size >= this.maxKeys) {
        this.overflowedKeys++;
        name = OTHER_KEY;
        entry = byName.get(name);
      }
      if (entry === undefined) {
        entry = { kind, name, traces: 0, bottleneck: 0, criticalMs: 0, share: 0 };
        t.keys.set(`${kind}\u0000${name}`, entry);
        byName.set(name, entry);
      }
    }
    entry.traces++;
    if (bottleneck) entry.bottleneck++;
    entry.criticalMs += ms;
    entry.share += share;
  }
}

function emptyIndex(): Slot['byName'] {
  return { stage: new Map(), source: new Map() };
}

function emptyTotals(): WindowTotals {
  return {
    traces: 0,
    durationMs: 0,
    keys: new Map(),
    candidates: new Map(),
    fanOutGroups: 0,
    efficiencySum: 0,
    skewSum: 0,
    queueSum: 0,
    cacheLookups: 0,
    cacheHits: 0,
    cacheMissCriticalMs: 0,
    rowsFetched: 0,
    rowsReturned: 0,
    rowsTraces: 0,
  };
}

function mergeInto(out: WindowTotals, t: WindowTotals): void {
  out.traces += t.traces;
  out.durationMs += t.durationMs;
  for (const [key, k] of t.keys) {
    const e = out.keys.get(key);
    if (e === undefined) out.keys.set(key, { ...k });
    else {
      e.traces += k.traces;
      e.bottleneck += k.bottleneck;
      e.criticalMs += k.criticalMs;
      e.share += k.share;
    }
  }
  for (const [key, c] of t.candidates) {
    const e = out.candidates.get(key);
    if (e === undefined) out.candidates.set(key, { ...c, figures: { ...c.figures } });
    else {
      e.count += c.count;
      e.savingMs += c.savingMs;
      e.durationMs += c.durationMs;
      addFigures(e.figures, c.figures);
      // Slots are merged in ring order, not time order; the evidence of any slot will do.
      e.evidence = c.evidence;
    }
  }
  out.fanOutGroups += t.fanOutGroups;
  out.efficiencySum += t.efficiencySum;
  out.skewSum += t.skewSum;
  out.queueSum += t.queueSum;
  out.cacheLookups += t.cacheLookups;
  out.cacheHits += t.cacheHits;
  out.cacheMissCriticalMs += t.cacheMissCriticalMs;
  out.rowsFetched += t.rowsFetched;
  out.rowsReturned += t.rowsReturned;
  out.rowsTraces += t.rowsTraces;
}

/** Adds `figures` into the sums `into`. */
function addFigures(into: { [key: string]: number }, figures: { readonly [key: string]: number }): void {
  for (const key in figures) into[key] = (into[key] ?? 0) + (figures[key] as number);
}
