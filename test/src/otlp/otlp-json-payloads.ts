/** Hand-made OTLP payloads for decoder tests, in the shapes real senders use. */

export const TRACE_ID = '5b8efff798038103d269b633813fc60c';
export const SPAN_ID = 'eee19b7ec3c1b174';
export const PARENT_ID = '0102030405060708';

/**
 * One span as the Go Collector's otlphttp exporter writes OTLP/JSON (protojson): int64 as
 * strings, uppercase hex is allowed, enum names for kind/status, a map and bytes attribute.
 */
export function collectorStyleRequest(): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'go-checkout' } },
            { key: 'process.pid', value: { intValue: '4242' } },
          ],
          droppedAttributesCount: 1,
        },
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeSpans: [
          {
            scope: { name: 'go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp', version: '0.53.0' },
            schemaUrl: 'https://opentelemetry.io/schemas/1.24.0',
            spans: [
              {
                traceId: TRACE_ID.toUpperCase(),
                spanId: SPAN_ID.toUpperCase(),
                parentSpanId: PARENT_ID,
                traceState: 'go=1',
                flags: 769,
                name: 'GET /orders',
                kind: 'SPAN_KIND_SERVER',
                startTimeUnixNano: '1700000000123456789',
                endTimeUnixNano: '1700000001000000001',
                attributes: [
                  { key: 'http.response.status_code', value: { intValue: '200' } },
                  { key: 'int.max', value: { intValue: '9223372036854775807' } },
                  { key: 'int.min', value: { intValue: '-9223372036854775808' } },
                  { key: 'ratio', value: { doubleValue: 0.5 } },
                  { key: 'ratio.text', value: { doubleValue: '2.5e-1' } },
                  { key: 'not.a.number', value: { doubleValue: 'NaN' } },
                  { key: 'ok', value: { boolValue: true } },
                  { key: 'raw', value: { bytesValue: 'AQID/w==' } },
                  { key: 'empty', value: {} },
                  {
                    key: 'db.query.parameter',
                    value: {
                      kvlistValue: {
                        values: [
                          { key: 'id', value: { intValue: '7' } },
                          { key: 'nested', value: { kvlistValue: { values: [{ key: 'deep', value: { stringValue: 'x' } }] } } },
                        ],
                      },
                    },
                  },
                  { key: 'ints', value: { arrayValue: { values: [{ intValue: '1' }, { intValue: '9007199254740993' }] } } },
                  { key: 'mixed', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '1' }] } } },
                  { key: 'nested.array', value: { arrayValue: { values: [{ arrayValue: { values: [{ boolValue: true }] } }] } } },
                ],
                droppedAttributesCount: '2',
                events: [
                  {
                    timeUnixNano: '1700000000500000000',
                    name: 'retry',
                    attributes: [{ key: 'attempt', value: { intValue: '2' } }],
                    droppedAttributesCount: 0,
                  },
                ],
                droppedEventsCount: 3,
                links: [
                  { traceId: '', spanId: '', traceState: 'linked=1', attributes: [{ key: 'why', value: { stringValue: 'fan-in' } }] },
                ],
                droppedLinksCount: 4,
                status: { code: 'STATUS_CODE_ERROR', message: 'upstream 503' },
              },
            ],
          },
        ],
      },
    ],
  };
}

/** The attributes the decoder makes of {@link collectorStyleRequest}'s span (flatten mode). */
export const COLLECTOR_SPAN_ATTRIBUTES = {
  'http.response.status_code': 200,
  'int.max': '9223372036854775807',
  'int.min': '-9223372036854775808',
  ratio: 0.5,
  'ratio.text': 0.25,
  'not.a.number': Number.NaN,
  ok: true,
  raw: 'AQID/w==',
  'db.query.parameter.id': 7,
  'db.query.parameter.nested.deep': 'x',
  ints: ['1', '9007199254740993'],
  mixed: '["a",1]',
  'nested.array': '[[true]]',
};

/** A minimal valid JSON span with overrides. */
export function jsonSpan(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    name: 'span',
    kind: 1,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000001000000',
    ...overrides,
  };
}

/** A JSON request holding these spans in one resource and scope. */
export function jsonRequest(spans: unknown[], resourceAttributes: unknown[] = []): Record<string, unknown> {
  return { resourceSpans: [{ resource: { attributes: resourceAttributes }, scopeSpans: [{ scope: { name: 'test' }, spans }] }] };
}

/** UTF-8 bytes of a JSON value. */
export function jsonBytes(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** An AnyValue nested `depth` arrays deep around a string. */
export function nestedArrayValue(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { stringValue: 'bottom' };
  for (let i = 0; i < depth; i++) value = { arrayValue: { values: [value] } };
  return value;
}
