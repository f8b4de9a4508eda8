import type { Row, SourceAdapter, SourceCapabilities, SourceRequest, SourceResult } from './types.js';

/** What a {@link FunctionSource} calls: the request and an abort signal, answering rows. */
export type SourceFunction = (request: SourceRequest, signal: AbortSignal) => Promise<Row[] | SourceResult> | Row[] | SourceResult;

/**
 * A source backed by a function of your own (an in-process service, a cache, a test double).
 * Nothing instruments it, so its calls make no CLIENT span: wrap what it calls with
 * `instrumentAdapter` if you want one.
 */
export class FunctionSource implements SourceAdapter {
  /** @inheritdoc */
  readonly capabilities: SourceCapabilities;

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

  /** @inheritdoc */
  async execute(request: SourceRequest, signal: AbortSignal): Promise<SourceResult> {
    const answer = await this.fn(request, signal);
    return Array.isArray(answer) ? { rows: answer } : answer;
  }
}
