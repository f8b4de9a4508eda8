import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import { applyDbStatementAttributes } from '../src/span-model/db-call-attributes.js';
import { defaultQueryTextMode } from '../src/span-model/query-text-mode.js';
import type { AdapterCallInfo, CallDescription, InstrumentAdapterOptions } from './adapter-types.js';
import { describeAdapterCall, countResultRows, redactUrl } from './adapter-call.js';
import type { DriverMethod } from './db-instrumentation-types.js';
import { tracerOf } from './federation-stage.js';
import { recordCallResponse, runRequestHook } from './source-call-hooks.js';
import { classifyDbCallError, sourceCallAttributes } from './source-call-span.js';
import { runInSpan } from './span-runner.js';

const DEFAULT_METHODS = ['query', 'execute'] as const;

/**
 * Wraps a data-source adapter so that each call of its query methods is a CLIENT span with the
 * stable database (or HTTP client) semantic conventions plus `federation.source`.
 *
 * The adapter itself is not modified: a proxy is returned. Results, errors and `this` are those of
 * the unwrapped call (methods run with the adapter itself as `this`, so private class fields work).
 * If fedscope fails to describe a call, the call still runs.
 *
 * @param adapter - any object whose query methods take SQL (or a request)
 * @param options - the source's name and system, and how to read its calls
 */
export function instrumentAdapter<A extends object>(adapter: A, options: InstrumentAdapterOptions): A {
  const methods = new Set<PropertyKey>(options.methods ?? DEFAULT_METHODS);
  const wrappers = new Map<PropertyKey, { original: DriverMethod; wrapper: DriverMethod }>();
  const proxy: A = new Proxy(adapter, {
    get(target, property) {
      // Read with the target as receiver: getters touching private fields must not see the proxy.
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const cached = wrappers.get(property);
      if (cached?.original === value) return cached.wrapper;
      // Untraced methods are forwarded too, so that they also run with the adapter as `this`.
      // Typed loosely: the adapter's methods take and return whatever it defines.
      const method = value as DriverMethod;
      const wrapper = methods.has(property)
        ? wrapMethod(method, String(property), target, () => proxy, options)
        : forwardMethod(method, target, () => proxy);
      wrappers.set(property, { original: method, wrapper });
      return wrapper;
    },
  });
  return proxy;
}

function forwardMethod(original: DriverMethod, target: object, proxyOf: () => object): DriverMethod {
  return function fedscopeForwarded(this: unknown, ...args: unknown[]): unknown {
    return Reflect.apply(original, this === proxyOf() ? target : this, args);
  };
}

function wrapMethod(
  original: DriverMethod,
  method: string,
  target: object,
  proxyOf: () => object,
  options: InstrumentAdapterOptions,
): DriverMethod {
  return function fedscopeWrapped(this: unknown, ...args: unknown[]): unknown {
    const self = this === proxyOf() ? target : this;
    const info: AdapterCallInfo = { method, args };
    let span: Span;
    try {
      span = startCallSpan(info, options);
    } catch {
      return Reflect.apply(original, self, args);
    }
    return runInSpan(span, trace.setSpan(context.active(), span), () => Reflect.apply(original, self, args), {
      onResult: (s, result) => recordResult(s, info, result, options),
      onError: (s, error) => {
        // DB failures get the same error classification as fedscope's driver instrumentations.
        if (options.system !== 'http') classifyDbCallError(s, error, options.system);
      },
    });
  };
}

function startCallSpan(info: AdapterCallInfo, options: InstrumentAdapterOptions): Span {
  const http = options.system === 'http';
  let description: CallDescription | undefined;
  try {
    description = (options.describeCall ?? describeAdapterCall)(info) ?? undefined;
  } catch {
    description = undefined;
  }
  const attributes = sourceCallAttributes(options.source, context.active(), true);
  if (options.serverAddress !== undefined) attributes[ATTR_SERVER_ADDRESS] = options.serverAddress;
  if (options.serverPort !== undefined) attributes[ATTR_SERVER_PORT] = options.serverPort;
  let name: string;
  if (http || description?.kind === 'http') {
    name = describeHttp(description, attributes);
  } else {
    name = describeDb(description, attributes, options);
  }
  const span = tracerOf(options.tracerProvider).startSpan(name, { kind: SpanKind.CLIENT, attributes });
  runRequestHook(options.requestHook, span, info);
  return span;
}

function describeDb(description: CallDescription | undefined, attributes: Attributes, options: InstrumentAdapterOptions): string {
  const db = description?.kind === 'db' ? description : undefined;
  return applyDbStatementAttributes(attributes, {
    system: options.system,
    namespace: options.namespace,
    text: db?.text,
    queryText: options.queryText ?? defaultQueryTextMode(),
    operationName: db?.operationName,
    collectionName: db?.collectionName,
  });
}

function describeHttp(description: CallDescription | undefined, attributes: Attributes): string {
  if (description?.kind !== 'http') return 'HTTP';
  const method = description.method.toUpperCase();
  attributes[ATTR_HTTP_REQUEST_METHOD] = method;
  const url = redactUrl(description.url);
  if (url) {
    attributes[ATTR_URL_FULL] = url.href;
    attributes[ATTR_SERVER_ADDRESS] ??= url.hostname;
    attributes[ATTR_SERVER_PORT] ??= Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  }
  return method;
}

function recordResult(span: Span, info: AdapterCallInfo, result: unknown, options: InstrumentAdapterOptions): void {
  if (options.system === 'http') {
    const status = (result as { status?: unknown } | null)?.status;
    if (typeof status === 'number') {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (status >= 400) {
        span.setAttribute(ATTR_ERROR_TYPE, String(status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    }
  }
  recordCallResponse(span, (options.countRows ?? countResultRows)(result), options.responseHook, info, result);
}
