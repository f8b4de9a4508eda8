import { instrumentAdapter } from '../../instrumentations/adapter.js';
import { HttpStatusError } from './http-status-error.js';
import type { HttpRequestSpec, Row, SourceAdapter, SourceCapabilities, SourceRequest, SourceResult } from './types.js';

/** The fetch function an HTTP source calls (the global `fetch` has this shape). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** Options of {@link HttpSource}. */
export interface HttpSourceOptions {
  /** Base URL the parts' paths are relative to, e.g. `http://127.0.0.1:8080/api`. */
  baseUrl: string;
  /**
   * The fetch implementation.
   * @default globalThis.fetch
   */
  fetch?: FetchLike;
  /**
   * Where the rows are in the JSON answer: a dotted path (`data.items`), or '' for the answer itself.
   * @default '' (the answer must be an array, or a single object taken as one row)
   */
  rowsPath?: string;
  /**
   * Headers sent with every request.
   * @default {}
   */
  headers?: Readonly<Record<string, string>>;
}

/**
 * An HTTP JSON source. Its calls are CLIENT spans made by `instrumentAdapter` (system `http`),
 * named after the registered source; a timeout aborts the request through its `AbortSignal`.
 * A non-2xx answer fails with {@link HttpStatusError} (429/502/503/504 are retried).
 */
export class HttpSource implements SourceAdapter {
  /** @inheritdoc */
  readonly system = 'http';
  /** @inheritdoc */
  readonly capabilities: SourceCapabilities = { sql: false, http: true, cancellable: true };
  private readonly baseUrl: string;
  private client: { fetch: FetchLike };

  /** @param options - base URL, fetch, where the rows are */
  constructor(private readonly options: HttpSourceOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.client = { fetch: options.fetch ?? ((url, init) => fetch(url, init)) };
  }

  /** Wraps the fetch client so each request is one CLIENT span carrying the source's name. */
  bind(name: string): void {
    this.client = instrumentAdapter({ fetch: this.client.fetch }, { source: name, system: 'http', methods: ['fetch'] });
  }

  /** @inheritdoc */
  async execute(request: SourceRequest, signal: AbortSignal): Promise<SourceResult> {
    if (request.kind !== 'http') throw new TypeError('HTTP sources answer HTTP requests only');
    const url = this.urlOf(request.request);
    const method = (request.request.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers, ...request.request.headers };
    const init: RequestInit = { method, headers, signal };
    if (request.request.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(request.request.body);
    }
    const response = await this.client.fetch(url, init);
    if (!response.ok) {
      // Drain the body so the connection can be reused.
      await response.body?.cancel().catch(() => undefined);
      throw new HttpStatusError(response.status, url);
    }
    const json: unknown = await response.json();
    return { rows: this.rowsOf(json) };
  }

  private urlOf(spec: HttpRequestSpec): string {
    const path = spec.path.startsWith('/') ? spec.path : `/${spec.path}`;
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(spec.query ?? {})) url.searchParams.set(key, String(value));
    return url.href;
  }

  private rowsOf(json: unknown): Row[] {
    let value = json;
    for (const step of (this.options.rowsPath ?? '').split('.').filter(Boolean)) {
      value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[step] : undefined;
    }
    if (Array.isArray(value)) return value as Row[];
    if (typeof value === 'object' && value !== null) return [value as Row];
    throw new TypeError(`the answer has no rows at '${this.options.rowsPath ?? ''}' (got ${value === null ? 'null' : typeof value})`);
  }
}
