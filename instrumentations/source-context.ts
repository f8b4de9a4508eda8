import { context, createContextKey, type Context } from '@opentelemetry/api';

const SOURCE_CONTEXT_KEY = createContextKey('fedscope.source-context');

/**
 * Which registered source (and which part of a federated query) the work running in a context
 * talks to. A federation runtime sets it around each part's execution so that the driver
 * instrumentations, which make the one CLIENT span per call, can name the source
 * (`federation.source`) and part (`federation.part`) without a second, runtime-made span.
 */
export interface SourceContext {
  /** Registered name of the source (`federation.source`). */
  readonly source: string;
  /** Name of the federated query's part the call belongs to (`federation.part`), when there is one. */
  readonly part?: string | undefined;
  /** Retry ordinal of the call (`federation.retry.attempt`): 1 on the first retry; undefined or 0 on a first try. */
  readonly retryAttempt?: number | undefined;
}

/**
 * `ctx` with `source` as the source that calls made in it talk to: fedscope's instrumentations
 * (the DB drivers', the contrib ones it configures, `instrumentAdapter`) put its `federation.source`,
 * `federation.part` and `federation.retry.attempt` on the spans of those calls. A runtime of your
 * own does as the federation runtime does: `context.with(withSourceContext(context.active(), { source }), call)`.
 */
export function withSourceContext(ctx: Context, source: SourceContext): Context {
  return ctx.setValue(SOURCE_CONTEXT_KEY, source);
}

/** The source the work running in `ctx` talks to, if a runtime declared one. */
export function activeSourceContext(ctx: Context = context.active()): SourceContext | undefined {
  return ctx.getValue(SOURCE_CONTEXT_KEY) as SourceContext | undefined;
}
