import { context, trace, type Span } from '@opentelemetry/api';
import { tracerOf } from '../../instrumentations/federation-stage.js';
import { startFunctionSourceCallSpan } from '../../instrumentations/source-call-span.js';
import { runInSpan } from '../../instrumentations/span-runner.js';
import { ATTR_DB_RESPONSE_RETURNED_ROWS } from '../span-model/attributes.js';
import type { Row, SourceAdapter, SourceCapabilities, SourceRequest, SourceResult } from './types.js';

/** What a {@link FunctionSource} calls: the request and an abort signal, answering rows. */
export type SourceFunction = (request: SourceRequest, signal: AbortSignal) => Promise<Row[] | SourceResult> | Row[] | SourceResult;

/**
 * A source backed by a function of your own (an in-process service, a cache, a test double).
 * Once registered, each call is a CLIENT span named `function {source}` with `federation.source`
 * (the registered name), `federation.source.kind` = `function` and `db.response.returned_rows`;
 * it has no `db.system.name`, since the function speaks no database protocol. What the function
 * calls in turn (a driver fedscope instruments, `fetch`) makes its own spans beneath it.
 */
export class FunctionSource implements SourceAdapter {
  /** @inheritdoc */
  readonly capabilities: SourceCapabilities;
  /** The registered name, once {@link bind} told it; calls before that make no span. */
  private source: string | undefined;

  /**
   * @param fn - answers requests
   * @param options - the system to report and what the function handles
   * @default options { system: 'function', sql: true, http: true }
   */
  constructor(
    private readonly fn: SourceFunction,
    options: { system?: string; sql?: boolean; http?: boolean } = {},
  ) {
    this.system = options.system ?? 'function';
    this.capabilities = { sql: options.sql ?? true, http: options.http ?? true, cancellable: true };
  }

  /** @inheritdoc */
  readonly system: string;

  /** Names the calls' spans after the registered source. */
  bind(name: string): void {
    this.source = name;
  }

  /** @inheritdoc */
  execute(request: SourceRequest, signal: AbortSignal): Promise<SourceResult> {
    const run = async (): Promise<SourceResult> => {
      const answer = await this.fn(request, signal);
      return Array.isArray(answer) ? { rows: answer } : answer;
    };
    if (this.source === undefined) return run();
    let span: Span;
    try {
      span = startFunctionSourceCallSpan(tracerOf(undefined), this.source);
    } catch {
      // Telemetry that cannot start must not stop the call.
      return run();
    }
    return runInSpan(span, trace.setSpan(context.active(), span), run, {
      onResult: (s, result) => {
        const rows = (result as SourceResult | undefined)?.rows;
        if (Array.isArray(rows)) s.setAttribute(ATTR_DB_RESPONSE_RETURNED_ROWS, rows.length);
      },
    });
  }
}
