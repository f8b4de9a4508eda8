import { UNKNOWN_SERVICE } from '../classified-span.js';
import type {
  AssembledTrace,
  CriticalPathStep,
  FanOut,
  PathShare,
  SpanTiming,
  SuggestionCandidate,
  TraceAnalysis,
  TraceAnalyzerOptions,
  TraceSpan,
} from './types.js';

/** A span in the analysed tree. */
interface Node {
  readonly span: TraceSpan;
  readonly id: string;
  readonly label: string;
  readonly start: number;
  readonly end: number;
  parent: Node | undefined;
  readonly children: Node[];
  selfMs: number;
  criticalMs: number;
  /** Nearest stage (self or ancestor), `(query)` when none. */
  stage: string;
  /** Nearest source call (self or ancestor). */
  source: string | undefined;
  /** Under (or is) a timed-out call, a pool wait. */
  timeout: boolean;
  poolWait: boolean;
}

/** Stage label of time the root spent outside any stage. */
export const ROOT_STAGE = '(query)';
const UNKNOWN = '(unknown)';

/**
 * Derives from one assembled federated-query trace where the time went:
 *
 * - **self time** of every span: its duration minus the union of its children's intervals
 *   (clipped to the span), so overlapping children are not subtracted twice;
 * - the **critical path**: walking back from the root's end, at each point the child that ended
 *   last before it (children ending after the point are clipped to it, as Jaeger does for
 *   children outliving a sibling), recursively; the rest of the time is the parent's own. The
 *   path's length equals the root's duration;
 * - each stage's and source's **share** of critical-path time (a segment counts for the nearest
 *   stage and the nearest source call above or at the span on the path);
 * - per fan-out (a span with ≥ 2 children): **parallelism efficiency** (Σ child durations ÷
 *   parent wall time), **skew** (slowest ÷ median child) and **queueing** (parent start → child start);
 * - per-trace **suggestion candidates** with their saving on the critical path: sequential sibling
 *   parts, overfetching, retries, timeouts and pool waits;
 * - **rows fetched**: the rows the query's parts delivered (what reaches the merge), each part
 *   counted once — the topmost span below the root, outside merge stages, that reports rows: a
 *   part's `fetch` stage (`federation.rows.returned`, which the runtime sets for cache hits too),
 *   else its source calls (`db.response.returned_rows`). Counting source calls alone would miss
 *   cached parts and sources that report no rows (HTTP), and could fall below the rows returned.
 *
 * Cost: O(n log n) in the trace's spans, run once per federated query, off the span's hot path
 * only in the sense that it runs when the trace completes (see the `critical-path` benchmark).
 */
export class TraceAnalyzer {
  private readonly mergeStages: ReadonlySet<string>;
  private readonly toleranceMs: number;
  private readonly minSavingMs: number;
  private readonly overfetchMinRows: number;
  private readonly overfetchMaxRatio: number;

  /** @param options - merge stages, tolerances and thresholds */
  constructor(options: TraceAnalyzerOptions = {}) {
    this.mergeStages = new Set(options.mergeStages ?? ['merge', 'join', 'aggregate']);
    this.toleranceMs = options.overlapToleranceMs ?? 1;
    this.minSavingMs = options.minSavingMs ?? 1;
    this.overfetchMinRows = options.overfetchMinRows ?? 1000;
    this.overfetchMaxRatio = options.overfetchMaxRatio ?? 0.1;
  }

  /**
   * Analyses one trace. Spans not descending from the root are ignored; orphans are attached to it.
   * @param trace - the assembled trace
   * @param spanTimings - include each span's timings ({@link TraceAnalysis.spans}): an object per span,
   *   which the aggregation of every trace does without and a drill-down into one trace reads
   */
  analyze(trace: AssembledTrace, spanTimings = true): TraceAnalysis {
    const root = this.buildTree(trace);
    const nodes: Node[] = [];
    let orphans = 0;
    const stack: Node[] = [root.node];
    while (stack.length > 0) {
      const node = stack.pop() as Node;
      nodes.push(node);
      for (const child of node.children) {
        inherit(child, node);
        stack.push(child);
      }
    }
    orphans = root.orphans;
    for (const node of nodes) node.selfMs = selfTime(node);

    const steps: CriticalPathStep[] = [];
    this.walkCritical(root.node, root.node.end, steps);
    steps.reverse();
    const criticalPath = mergeSteps(steps, root.node.start);

    const durationMs = root.node.end - root.node.start;
    const stageMs = new MillisecondTally();
    const sourceMs = new MillisecondTally();
    let timeoutMs = 0;
    let poolMs = 0;
    let fetchAndMergeMs = 0;
    for (const node of nodes) {
      const ms = node.criticalMs;
      if (ms <= 0) continue;
      stageMs.add(node.stage, ms);
      if (node.source !== undefined) sourceMs.add(node.source, ms);
      if (node.timeout) timeoutMs += ms;
      if (node.poolWait) poolMs += ms;
      if (node.source !== undefined || this.mergeStages.has(node.stage)) fetchAndMergeMs += ms;
    }
    const stages = shares('stage', stageMs, durationMs);
    const sources = shares('source', sourceMs, durationMs);

    const fanOuts: FanOut[] = [];
    const candidates: SuggestionCandidate[] = [];
    // Built only for a trace with retries.
    let byId: Map<string, Node> | undefined;
    const index = (): ReadonlyMap<string, Node> => (byId ??= new Map(nodes.map((n) => [n.id, n])));
    for (const node of nodes) {
      if (node.children.length >= 2) fanOuts.push(fanOutOf(node));
      this.sequentialParts(node, candidates);
      this.retriedCalls(node, steps, index, candidates);
    }

    const rowsFetched = this.partRows(root.node);
    let cacheLookups = 0;
    let cacheHits = 0;
    const missedParts = new Set<string>();
    for (const node of nodes) {
      const s = node.span;
      if (s.role === 'cache' && s.cacheHit !== undefined) {
        cacheLookups++;
        if (s.cacheHit) cacheHits++;
        else missedParts.add(s.part ?? UNKNOWN);
      }
    }
    let cacheMissCriticalMs = 0;
    if (missedParts.size > 0) {
      for (const node of nodes) {
        if (node.source === undefined || node.criticalMs <= 0) continue;
        // A miss of a lookup without a part name counts for every source call of the trace.
        if (missedParts.has(UNKNOWN) || (partOf(node) !== undefined && missedParts.has(partOf(node) as string)))
          cacheMissCriticalMs += node.criticalMs;
      }
    }
    const rowsReturned = trace.root.rowsReturned;
    this.rateCandidates(candidates, { timeoutMs, poolMs, fetchAndMergeMs, rowsFetched, rowsReturned });

    const analysis: TraceAnalysis = {
      traceId: trace.traceId,
      service: trace.root.service ?? UNKNOWN_SERVICE,
      queryName: trace.root.queryName ?? UNKNOWN,
      durationMs,
      startTimeMs: root.node.start,
      criticalPath,
      stages,
      sources,
      bottleneckStage: stages[0],
      bottleneckSource: sources[0],
      fanOuts,
      candidates,
      rowsFetched,
      rowsReturned,
      cacheLookups,
      cacheHits,
      cacheMissCriticalMs,
      orphans,
      truncated: trace.truncated,
    };
    if (spanTimings) analysis.spans = nodes.map((node) => timingOf(node, root.node.start));
    return analysis;
  }

  private buildTree(trace: AssembledTrace): { node: Node; orphans: number } {
    const byId = new Map<string, Node>();
    for (const span of trace.spans) {
      if (span.spanId === undefined) continue;
      byId.set(span.spanId, newNode(span));
    }
    const rootSpan = trace.root;
    const root = (rootSpan.spanId !== undefined ? byId.get(rootSpan.spanId) : undefined) ?? newNode(rootSpan);
    let orphans = 0;
    for (const node of byId.values()) {
      if (node === root) continue;
      const parentId = node.span.parentSpanId;
      const parent = parentId !== undefined ? byId.get(parentId) : undefined;
      if (parent !== undefined) {
        node.parent = parent;
        parent.children.push(node);
      } else if (node.start >= root.start - this.toleranceMs && node.end <= root.end + this.toleranceMs && node.span.role !== 'query') {
        // Its parent was dropped or never exported (an unsampled or `other` span): attach it to the root.
        node.parent = root;
        root.children.push(node);
        orphans++;
      }
    }
    // A cycle or a root that is somebody's child would make the walk loop; the root has no parent here.
    root.parent = undefined;
    return { node: root, orphans };
  }

  /**
   * Walks back from `until` within `node`: the child that ended last before the cursor is on the
   * path until its start, recursively; gaps are the node's own time. Records steps latest first.
   */
  private walkCritical(node: Node, until: number, steps: CriticalPathStep[]): void {
    const end = Math.min(node.end, until);
    let cursor = end;
    if (node.children.length > 0) {
      // A single child needs no sorted copy.
      const children = node.children.length === 1 ? node.children : sortFew([...node.children], (a, b) => b.end - a.end);
      for (const child of children) {
        if (cursor <= node.start) break;
        if (child.start >= cursor) continue;
        const childEnd = Math.min(child.end, cursor);
        if (childEnd < cursor) this.addStep(node, childEnd, cursor, steps);
        this.walkCritical(child, childEnd, steps);
        cursor = Math.max(child.start, node.start);
      }
    }
    if (cursor > node.start) this.addStep(node, node.start, cursor, steps);
  }

  private addStep(node: Node, from: number, to: number, steps: CriticalPathStep[]): void {
    if (to <= from) return;
    node.criticalMs += to - from;
    steps.push({ spanId: node.id, label: node.label, fromMs: from, toMs: to });
  }

  /**
   * Sibling parts (source calls, stages naming a part) that ran in ≥ 2 waves without a declared
   * dependency (`federation.depends_on`): the saving is the group's wall time minus the longest
   * dependency chain, capped by the group's time on the critical path. Siblings of one part (its
   * source calls, a call and its retries) are one member: they are sequential by nature.
   */
  private sequentialParts(parent: Node, out: SuggestionCandidate[]): void {
    // Fewer than two children make fewer than two members: skip the set and the sorted copy.
    if (parent.children.length < 2) return;
    // A member's identity is its part, else its source: kept in two name lists, no key string built.
    const seenParts = new NameList();
    const seenSources = new NameList();
    const members: Node[] = [];
    for (const c of sortFew([...parent.children], (a, b) => a.start - b.start)) {
      if (!isPart(c)) continue;
      const part = partOf(c);
      const seen = part !== undefined ? seenParts : seenSources;
      const identity = part ?? c.label;
      if (seen.indexOf(identity) >= 0) continue;
      seen.push(identity);
      members.push(c);
    }
    if (members.length < 2) return;
    let waves = 1;
    let maxEnd = (members[0] as Node).end;
    for (let i = 1; i < members.length; i++) {
      const m = members[i] as Node;
      if (m.start >= maxEnd - this.toleranceMs) waves++;
      if (m.end > maxEnd) maxEnd = m.end;
    }
    if (waves < 2) return;
    // Earliest finish if every member started at once, honouring declared dependencies. The
    // measured gap between a dependency's end and the dependent's start is the runtime's hand-over
    // (and, on a busy host, the scheduler's), which running in parallel would not remove.
    const finish = new Map<Node, number>();
    let ideal = 0;
    for (const m of members) {
      const deps = m.span.dependsOn;
      let ready = 0;
      if (deps !== undefined) {
        for (const other of members) {
          if (other === m || !finish.has(other)) continue;
          const name = partOf(other);
          if ((name !== undefined && deps.includes(name)) || (other.span.source !== undefined && deps.includes(other.span.source))) {
            ready = Math.max(ready, (finish.get(other) as number) + Math.max(0, m.start - other.end));
          }
        }
      }
      const f = ready + (m.end - m.start);
      finish.set(m, f);
      ideal = Math.max(ideal, f);
    }
    const start = (members[0] as Node).start;
    const wall = maxEnd - start;
    let onPath = 0;
    for (const m of members) onPath += subtreeCritical(m);
    const saving = Math.min(wall - ideal, onPath);
    if (saving < this.minSavingMs) return;
    const labels = members.map((m) => m.label);
    out.push({
      kind: 'parallelize_parts',
      subject: `${parent.label}: ${[...new Set(labels)].sort().join(', ')}`,
      savingMs: saving,
      figures: { wallMs: wall, parallelWallMs: ideal, criticalPathMs: onPath, waves },
      evidence: {
        parent: parent.label,
        parts: members.map((m) => ({
          name: m.label,
          startOffsetMs: round(m.start - start),
          durationMs: round(m.end - m.start),
          dependsOn: [...(m.span.dependsOn ?? [])],
        })),
      },
    });
  }

  /**
   * Calls of one source under `parent` that were retried (a child with `federation.retry.attempt`
   * ≥ 1, or `http.request.resend_count`): the critical-path time from the first attempt's start
   * to the last attempt's start — failed attempts and backoff, what the query would not have
   * spent had the first attempt succeeded — within `parent`'s subtree.
   */
  private retriedCalls(
    parent: Node,
    steps: readonly CriticalPathStep[],
    index: () => ReadonlyMap<string, Node>,
    out: SuggestionCandidate[],
  ): void {
    let groups: Map<string, Node[]> | undefined;
    for (const c of parent.children) {
      if (c.span.role !== 'source') continue;
      groups ??= new Map();
      const list = groups.get(c.label);
      if (list === undefined) groups.set(c.label, [c]);
      else list.push(c);
    }
    if (groups === undefined) return;
    for (const [source, calls] of groups) {
      let last: Node | undefined;
      for (const c of calls) if ((c.span.retryAttempt ?? 0) > (last?.span.retryAttempt ?? 0)) last = c;
      if (last === undefined) continue;
      const from = Math.min(...calls.map((c) => c.start));
      const to = last.start;
      let ms = 0;
      const byId = index();
      for (const step of steps) {
        const overlap = Math.min(step.toMs, to) - Math.max(step.fromMs, from);
        if (overlap > 0 && within(byId.get(step.spanId), parent)) ms += overlap;
      }
      if (ms < this.minSavingMs) continue;
      const retries = last.span.retryAttempt as number;
      out.push({
        kind: 'retries_dominate',
        subject: source,
        savingMs: ms,
        figures: { retryCriticalMs: ms, retries },
        evidence: { source, part: partOf(last) ?? null, parent: parent.label },
      });
    }
  }

  /** Rows the parts delivered: the topmost row-reporting stage or source call below the root, outside merge stages. */
  private partRows(root: Node): number | undefined {
    let total: number | undefined;
    const stack = [...root.children];
    while (stack.length > 0) {
      const node = stack.pop() as Node;
      const s = node.span;
      if (s.role === 'query' || this.mergeStages.has(node.stage)) continue;
      if ((s.role === 'stage' || s.role === 'source') && s.rowsReturned !== undefined) total = (total ?? 0) + s.rowsReturned;
      else stack.push(...node.children);
    }
    return total;
  }

  private rateCandidates(
    out: SuggestionCandidate[],
    t: { timeoutMs: number; poolMs: number; fetchAndMergeMs: number; rowsFetched: number | undefined; rowsReturned: number | undefined },
  ): void {
    if (t.timeoutMs >= this.minSavingMs)
      out.push({
        kind: 'timeouts_dominate',
        subject: 'timeouts',
        savingMs: t.timeoutMs,
        figures: { timeoutCriticalMs: t.timeoutMs },
        evidence: {},
      });
    if (t.poolMs >= this.minSavingMs)
      out.push({ kind: 'pool_wait', subject: 'pool', savingMs: t.poolMs, figures: { poolWaitCriticalMs: t.poolMs }, evidence: {} });
    const { rowsFetched, rowsReturned } = t;
    if (
      rowsFetched !== undefined &&
      rowsReturned !== undefined &&
      rowsFetched >= this.overfetchMinRows &&
      rowsReturned <= rowsFetched * this.overfetchMaxRatio
    ) {
      // Fetch and merge time scale with rows moved: filtering at the source would remove about
      // the share of rows the query threw away.
      const saving = t.fetchAndMergeMs * (1 - rowsReturned / rowsFetched);
      if (saving >= this.minSavingMs) {
        out.push({
          kind: 'overfetching',
          subject: 'rows',
          savingMs: saving,
          figures: { rowsFetched, rowsReturned, fetchAndMergeCriticalMs: t.fetchAndMergeMs },
          evidence: {},
        });
      }
    }
  }
}

function newNode(span: TraceSpan): Node {
  const end = span.endTimeMs;
  const start = span.startTimeMs ?? end - span.durationMs;
  return {
    span,
    id: span.spanId ?? '',
    label: labelOf(span),
    start,
    end: Math.max(start, end),
    parent: undefined,
    children: [],
    selfMs: 0,
    criticalMs: 0,
    stage: span.role === 'stage' || span.role === 'cache' ? (span.stage ?? UNKNOWN) : ROOT_STAGE,
    source: span.role === 'source' ? (span.source ?? UNKNOWN) : undefined,
    timeout: span.timedOut === true,
    // A driver's connection work (role `connection`: connect, pool checkout) is waiting for a connection too.
    poolWait: span.poolWait === true || span.role === 'connection',
  };
}

/** Stage, source and markers flow down: a span counts for its nearest stage and source call. */
function inherit(child: Node, parent: Node): void {
  const s = child.span;
  if (!(s.role === 'stage' || s.role === 'cache')) child.stage = parent.stage;
  if (s.role !== 'source' && parent.source !== undefined) child.source = parent.source;
  child.timeout ||= parent.timeout;
  child.poolWait ||= parent.poolWait;
}

function labelOf(span: TraceSpan): string {
  switch (span.role) {
    case 'query':
      return span.queryName ?? 'query';
    case 'stage':
    case 'cache':
      return span.part !== undefined ? `${span.stage ?? UNKNOWN}[${span.part}]` : (span.stage ?? UNKNOWN);
    case 'source':
      return span.source ?? UNKNOWN;
    case 'connection':
      return `connect ${span.source ?? UNKNOWN}`;
    default:
      return span.part ?? (span.poolWait === true ? 'pool.wait' : 'other');
  }
}

function isPart(node: Node): boolean {
  const s = node.span;
  if ((s.retryAttempt ?? 0) > 0 || s.poolWait === true) return false;
  return s.role === 'source' || (s.role === 'stage' && s.part !== undefined);
}

function partOf(node: Node): string | undefined {
  for (let n: Node | undefined = node; n !== undefined; n = n.parent) if (n.span.part !== undefined) return n.span.part;
  return undefined;
}

/** Whether `node` is `ancestor` or below it. */
function within(node: Node | undefined, ancestor: Node): boolean {
  for (let n = node; n !== undefined; n = n.parent) if (n === ancestor) return true;
  return false;
}

function subtreeCritical(node: Node): number {
  let total = node.criticalMs;
  for (const child of node.children) total += subtreeCritical(child);
  return total;
}

function selfTime(node: Node): number {
  const duration = node.end - node.start;
  if (node.children.length === 0) return duration;
  if (node.children.length === 1) {
    // One interval: what the general case below computes, without its arrays.
    const c = node.children[0] as Node;
    const a = Math.max(c.start, node.start);
    const b = Math.min(c.end, node.end);
    return b > a ? Math.max(0, duration - (b - a)) : duration;
  }
  const intervals: Array<readonly [number, number]> = [];
  for (const c of node.children) {
    const a = Math.max(c.start, node.start);
    const b = Math.min(c.end, node.end);
    if (b > a) intervals.push([a, b]);
  }
  sortFew(intervals, (x, y) => x[0] - y[0]);
  let covered = 0;
  let curStart = Number.NaN;
  let curEnd = Number.NaN;
  for (const [a, b] of intervals) {
    if (Number.isNaN(curStart) || a > curEnd) {
      if (!Number.isNaN(curStart)) covered += curEnd - curStart;
      curStart = a;
      curEnd = b;
    } else if (b > curEnd) {
      curEnd = b;
    }
  }
  if (!Number.isNaN(curStart)) covered += curEnd - curStart;
  return Math.max(0, duration - covered);
}

function fanOutOf(node: Node): FanOut {
  const children = node.children;
  const durations: number[] = [];
  let queueSum = 0;
  let maxQueue = Number.NEGATIVE_INFINITY;
  for (const c of children) {
    durations.push(c.end - c.start);
    const queue = Math.max(0, c.start - node.start);
    queueSum += queue;
    if (queue > maxQueue) maxQueue = queue;
  }
  sortFew(durations, (a, b) => a - b);
  let sum = 0;
  for (const d of durations) sum += d;
  const wall = node.end - node.start;
  const median =
    durations.length % 2 === 1
      ? (durations[(durations.length - 1) / 2] as number)
      : ((durations[durations.length / 2 - 1] as number) + (durations[durations.length / 2] as number)) / 2;
  const max = durations[durations.length - 1] as number;
  return {
    parentSpanId: node.id,
    parentLabel: node.label,
    children: durations.length,
    sumChildMs: round(sum),
    wallMs: round(wall),
    efficiency: wall > 0 ? round(sum / wall, 4) : 0,
    skew: median > 0 ? round(max / median, 4) : 1,
    meanQueueMs: round(queueSum / children.length),
    maxQueueMs: round(maxQueue),
  };
}

function shares(kind: 'stage' | 'source', tally: MillisecondTally, durationMs: number): PathShare[] {
  const out: PathShare[] = [];
  for (let i = 0; i < tally.names.length; i++) {
    const ms = tally.sums[i] as number;
    out.push({ kind, name: tally.names[i] as string, ms, share: durationMs > 0 ? ms / durationMs : 0 });
  }
  return sortFew(out, (a, b) => b.ms - a.ms);
}

/** Names a list scans before it indexes them in a `Map`. */
const SCANNED_NAMES = 16;

/**
 * Distinct names in first-added order. A trace has a handful of stages, sources and parts: a scan
 * of a short array beats a `Map` built for one trace; a trace of many (up to its bound of spans)
 * gets the `Map`, so the cost stays linear.
 */
class NameList {
  readonly names: string[] = [];
  private index: Map<string, number> | undefined;

  /** The position of `name`, -1 when it is not listed. */
  indexOf(name: string): number {
    return this.index !== undefined ? (this.index.get(name) ?? -1) : this.names.indexOf(name);
  }

  /** Appends `name`, which {@link NameList.indexOf} did not find. */
  push(name: string): void {
    this.index?.set(name, this.names.length);
    this.names.push(name);
    if (this.index === undefined && this.names.length > SCANNED_NAMES) this.index = new Map(this.names.map((n, k) => [n, k]));
  }
}

/** Milliseconds summed per name, `sums[i]` for `names[i]`. */
class MillisecondTally extends NameList {
  readonly sums: number[] = [];

  add(name: string, ms: number): void {
    const i = this.indexOf(name);
    if (i >= 0) {
      this.sums[i] = (this.sums[i] as number) + ms;
      return;
    }
    this.push(name);
    this.sums.push(ms);
  }
}

/**
 * `items` sorted in place by `before`, stably: an insertion sort for the few items a trace's
 * fan-outs and shares hold (the built-in sort's set-up costs more than sorting them), else the built-in sort.
 */
function sortFew<T>(items: T[], before: (a: T, b: T) => number): T[] {
  if (items.length > 16) return items.sort(before);
  for (let i = 1; i < items.length; i++) {
    const item = items[i] as T;
    let j = i - 1;
    while (j >= 0 && before(items[j] as T, item) > 0) {
      items[j + 1] = items[j] as T;
      j--;
    }
    items[j + 1] = item;
  }
  return items;
}

function timingOf(node: Node, origin: number): SpanTiming {
  return {
    spanId: node.id,
    parentSpanId: node.parent?.id,
    label: node.label,
    role: node.span.role,
    startOffsetMs: node.start - origin,
    durationMs: node.end - node.start,
    selfMs: node.selfMs,
    criticalMs: node.criticalMs,
    queueMs: node.parent !== undefined ? Math.max(0, node.start - node.parent.start) : 0,
  };
}

function mergeSteps(steps: CriticalPathStep[], origin: number): CriticalPathStep[] {
  const out: CriticalPathStep[] = [];
  for (const step of steps) {
    const last = out[out.length - 1];
    const from = step.fromMs - origin;
    const to = step.toMs - origin;
    if (last !== undefined && last.spanId === step.spanId && Math.abs(last.toMs - from) < 1e-9) last.toMs = to;
    else out.push({ spanId: step.spanId, label: step.label, fromMs: from, toMs: to });
  }
  return out;
}

function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
