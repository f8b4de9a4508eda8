// A cardinality attack on fedscope's public path: federated query traces, made with a real
// tracer of startFedscope's tracer provider, where every trace brings a new query name and stage
// name, new source names and new statements (distinct after normalisation: their table names
// differ, not only their literals). A few "hot" names take most of the time, so a test can check
// that the series kept under an exposition budget are the busiest ones.
import { SpanKind, SpanStatusCode, type Tracer, trace, context as otelContext } from '@opentelemetry/api';
import { setImmediate as turn } from 'node:timers/promises';

/** How big an attack is. */
export interface CardinalityAttackShape {
  /** Distinct statements (one source call each). */
  statements: number;
  /** Distinct query names, and as many stage names and source names. */
  names: number;
  /** Source calls per trace (statements ÷ this = traces of attack names). */
  callsPerTrace: number;
  /** Hot query names (`hot-query-{i}`), each with one stage `hot-stage-{i}` and one source `hot-source-{i}`. */
  hotNames: number;
  /** A hot trace after every `hotEvery` attack traces (and the hot names first, so they are admitted under fedscope's bounds). */
  hotEvery: number;
}

/** The attack: 1,000,000 statements, 100,000 query, stage and source names. */
export const FULL_CARDINALITY_ATTACK: CardinalityAttackShape = {
  statements: 1_000_000,
  names: 100_000,
  callsPerTrace: 10,
  hotNames: 5,
  hotEvery: 20,
};

/** Its 5× smaller cousin, run in CI: 200,000 statements, 20,000 names. */
export const CI_CARDINALITY_ATTACK: CardinalityAttackShape = { ...FULL_CARDINALITY_ATTACK, statements: 200_000, names: 20_000 };

/** Milliseconds a hot span lasts; an attack span lasts {@link ATTACK_SPAN_MS}. */
export const HOT_SPAN_MS = 40;
/** Milliseconds an attack span lasts. */
export const ATTACK_SPAN_MS = 1;

/** What an attack sent. */
export interface CardinalityAttackReport {
  traces: number;
  spans: number;
  /** Distinct statements sent (hot ones included). */
  statements: number;
  elapsedMs: number;
}

/** The hot names, in the order a test may look for them. */
export function hotNames(i: number): { query: string; stage: string; source: string; statement: string } {
  return {
    query: `hot-query-${i}`,
    stage: `hot-stage-${i}`,
    source: `hot-source-${i}`,
    statement: `SELECT total FROM hot_table_${i} WHERE id = 1`,
  };
}

/**
 * Sends the attack through `tracer` (the spans end with explicit times, so it runs as fast as the
 * pipeline records). It yields to the event loop every few hundred traces, as an application
 * between requests, so fedscope's deferred recording runs as it does live.
 */
export async function runCardinalityAttack(tracer: Tracer, shape: CardinalityAttackShape): Promise<CardinalityAttackReport> {
  const started = performance.now();
  const attackTraces = Math.ceil(shape.statements / shape.callsPerTrace);
  let spans = 0;
  let traces = 0;
  let statement = 0;
  const base = Date.now() - 1_000;
  const sendTrace = (query: string, stage: string, sources: readonly string[], statements: readonly string[], ms: number) => {
    const root = tracer.startSpan(
      `federation.query ${query}`,
      { kind: SpanKind.INTERNAL, startTime: base, attributes: { 'federation.query.name': query } },
      otelContext.active(),
    );
    const rootContext = trace.setSpan(otelContext.active(), root);
    const stageSpan = tracer.startSpan(
      `federation.stage ${stage}`,
      { kind: SpanKind.INTERNAL, startTime: base, attributes: { 'federation.stage': stage, 'federation.query.name': query } },
      rootContext,
    );
    const stageContext = trace.setSpan(rootContext, stageSpan);
    sources.forEach((source, i) => {
      const call = tracer.startSpan(
        'SELECT',
        {
          kind: SpanKind.CLIENT,
          startTime: base,
          attributes: {
            'db.system.name': 'postgresql',
            'db.operation.name': 'SELECT',
            'db.query.text': statements[i]!,
            'federation.source': source,
          },
        },
        stageContext,
      );
      call.setStatus({ code: SpanStatusCode.OK });
      call.end(base + ms);
    });
    stageSpan.end(base + ms);
    root.end(base + ms);
    spans += 2 + sources.length;
    traces++;
  };
  const sendHot = (i: number) => {
    const hot = hotNames(i);
    sendTrace(hot.query, hot.stage, [hot.source], [hot.statement], HOT_SPAN_MS);
  };
  for (let i = 0; i < shape.hotNames; i++) sendHot(i);
  for (let t = 0; t < attackTraces; t++) {
    const name = t % shape.names;
    const sources: string[] = [];
    const statements: string[] = [];
    for (let c = 0; c < shape.callsPerTrace && statement < shape.statements; c++, statement++) {
      sources.push(`source-${(t * shape.callsPerTrace + c) % shape.names}`);
      statements.push(`SELECT v FROM attack_table_${statement} WHERE id = 1`);
    }
    sendTrace(`query-${name}`, `stage-${name}`, sources, statements, ATTACK_SPAN_MS);
    if (shape.hotNames > 0 && t % shape.hotEvery === 0) sendHot((t / shape.hotEvery) % shape.hotNames);
    if (t % 200 === 0) await turn();
  }
  await turn();
  return { traces, spans, statements: statement + shape.hotNames, elapsedMs: performance.now() - started };
}

/** Bytes and lines of one metric family (its `# HELP`/`# TYPE` lines included) in a Prometheus exposition. */
export interface ExpositionFamilySize {
  name: string;
  bytes: number;
  lines: number;
}

/** Size of an exposition in bytes and lines, by metric family (largest first). */
export function expositionSizes(text: string): { bytes: number; lines: number; families: ExpositionFamilySize[] } {
  const families = new Map<string, ExpositionFamilySize>();
  const lines = text.split('\n');
  // Samples follow their family's `# HELP` and `# TYPE` lines (histogram `_bucket`/`_sum`/`_count` included).
  let name = '';
  for (const line of lines) {
    if (line === '') continue;
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) name = line.split(' ')[2] ?? '';
    const family = families.get(name) ?? { name, bytes: 0, lines: 0 };
    family.bytes += Buffer.byteLength(line) + 1;
    family.lines++;
    families.set(name, family);
  }
  return {
    bytes: Buffer.byteLength(text),
    lines: lines.filter((l) => l !== '').length,
    families: [...families.values()].sort((a, b) => b.bytes - a.bytes),
  };
}
