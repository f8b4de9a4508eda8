import { connect } from 'node:net';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPExporterError } from '@opentelemetry/otlp-exporter-base';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { FedscopeLog } from '../../../../src/diagnostics/fedscope-log.js';
import { CountingSpanExporter, exportErrorType } from '../../../../src/output/otlp/counting-span-exporter.js';
import { SpanLossLog } from '../../../../src/output/otlp/span-loss-log.js';
import { freePort } from '../../../support/free-port.js';

function lossLog(): { loss: SpanLossLog; lines: string[]; clock: { t: number } } {
  const lines: string[] = [];
  const clock = { t: 0 };
  const log = new FedscopeLog({ level: undefined, forwardToDiag: false, write: (l) => lines.push(l), now: () => clock.t });
  return { loss: new SpanLossLog({ log, now: () => clock.t, firstLineDelayMs: 60_000 }), lines, clock };
}

describe('SpanLossLog', () => {
  it('sums what was lost since the previous line into one line', () => {
    const { loss, lines, clock } = lossLog();
    for (let i = 0; i < 12_345; i++) loss.recordDropped('queue_full', 1);
    loss.recordFailedExport('timeout', 512);
    loss.recordFailedExport('timeout', 512);
    loss.recordFailedExport('timeout', 512);
    clock.t = 60_000;
    loss.flush();
    expect(lines).toEqual([
      'fedscope warn: 12,345 spans dropped (queue_full), 3 export failures (timeout) losing 1,536 spans in the last 60 s',
    ]);
    loss.flush();
    expect(lines).toHaveLength(1); // nothing new, no line
  });

  it('names each cause with its count when there are several', () => {
    const { loss, lines, clock } = lossLog();
    loss.recordFailedExport('ECONNREFUSED', 10);
    loss.recordFailedExport('503', 5);
    loss.recordFailedExport('503', 5);
    clock.t = 2000;
    loss.close();
    expect(lines).toEqual(['fedscope warn: 3 export failures (503: 2, ECONNREFUSED: 1) losing 20 spans in the last 2 s']);
  });
});

describe('exportErrorType', () => {
  it('keeps the cause: timeout, system error code, HTTP status, limits', async () => {
    const port = await freePort();
    const refused = await new Promise<Error>((resolve) => connect(port, '127.0.0.1').on('error', resolve));
    expect(exportErrorType(refused)).toBe('ECONNREFUSED');
    expect(exportErrorType(new Error('Request timed out'))).toBe('timeout');
    expect(exportErrorType(new OTLPExporterError('Bad Request', 400, ''))).toBe('400');
    expect(exportErrorType(new OTLPExporterError('Export failed with retryable status'))).toBe('retries_exhausted');
    expect(exportErrorType(new Error('Concurrent export limit reached'))).toBe('concurrency_limit');
    expect(exportErrorType(new TypeError('x'))).toBe('TypeError');
    expect(exportErrorType('not an error')).toBe('_OTHER');
  });
});

describe('CountingSpanExporter', () => {
  const spans = [{}, {}, {}] as unknown as ReadableSpan[];

  it('reports each failed export once with its cause, and passes every result on', () => {
    const failures: [string, number][] = [];
    const results: ExportResult[] = [];
    const inner: SpanExporter = {
      export: (_spans, done) => {
        done({ code: ExportResultCode.FAILED, error: new Error('Request timed out') });
        done({ code: ExportResultCode.FAILED, error: new Error('Request timed out') }); // a second call must not count twice
      },
      shutdown: async () => {},
    };
    new CountingSpanExporter(inner, { onFailure: (type, n) => failures.push([type, n]) }).export(spans, (r) => results.push(r));
    expect(failures).toEqual([['timeout', 3]]);
    expect(results).toHaveLength(1);
  });

  it('turns an exporter that throws into a failed result', () => {
    const failures: [string, number][] = [];
    const results: ExportResult[] = [];
    const inner: SpanExporter = {
      export: () => {
        throw new RangeError('broken');
      },
      shutdown: async () => {},
    };
    new CountingSpanExporter(inner, { onFailure: (type, n) => failures.push([type, n]) }).export(spans, (r) => results.push(r));
    expect(failures).toEqual([['RangeError', 3]]);
    expect(results[0]?.code).toBe(ExportResultCode.FAILED);
  });
});
