// The trace assembler's drops reach stderr: one warning line per interval at most, with the drops
// since the previous line by reason and the coverage they leave.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fedscopeLog } from '../../../src/diagnostics/fedscope-log.js';
import { ManualClock } from '../../../src/stats/manual-clock.js';
import { TraceAssembler } from '../../../processors/trace-analysis/trace-assembler.js';
import { endOrder, syntheticTrace } from '../../support/synthetic-trace.js';

const trace = (id: string) =>
  endOrder(
    syntheticTrace(id, [
      { id: 'root', role: 'query', start: 0, end: 30 },
      { id: 's', parent: 'root', role: 'source', source: 'pg', start: 1, end: 24 },
    ]),
  );

let lines: string[];
beforeEach(() => {
  lines = [];
  fedscopeLog.configure({ write: (line) => lines.push(line), forwardToDiag: false });
});
afterEach(() => fedscopeLog.configure({ write: (line) => process.stderr.write(`${line}\n`), forwardToDiag: true }));

const dropLines = () => lines.filter((line) => line.includes('the trace assembler dropped'));

describe('TraceAssembler drop log', () => {
  it('writes nothing while nothing is dropped', () => {
    const clock = new ManualClock(0);
    const assembler = new TraceAssembler([], { graceMs: 0 }, clock);
    for (let i = 0; i < 50; i++) {
      for (const span of trace(`t${i}`)) assembler.record(span);
      clock.advance(2000);
      assembler.flush();
    }
    expect(assembler.stats().assembled).toBe(50);
    expect(dropLines()).toEqual([]);
  });

  it('writes the drops since the previous line by reason, at most once per interval, the figures exact', () => {
    const clock = new ManualClock(0);
    const assembler = new TraceAssembler([], { graceMs: 10_000, maxTracesInFlight: 2, dropLogIntervalMs: 60_000 }, clock);
    // Two traces fill the bound; the next three are dropped whole (2 spans each, the roots counted).
    for (let i = 0; i < 5; i++) for (const span of trace(`a${i}`)) assembler.record(span);
    expect(dropLines()).toEqual([]); // a burst is gathered for a second
    clock.advance(1000);
    assembler.flush();
    expect(dropLines()).toEqual([
      'fedscope warn: the trace assembler dropped 3 traces (trace_limit 3) and 6 spans (trace_limit 6) in the last 1 s; critical paths and bottlenecks describe 0.0% of federated queries (coverage; the traceAssembly options set the bounds)',
    ]);
    // More drops within the interval (the assembler now samples: half the traces are left out by id):
    // no line yet, however often the assembler works.
    clock.advance(5_000);
    for (let i = 0; i < 4; i++) for (const span of trace(`b${i}`)) assembler.record(span);
    clock.advance(30_000);
    assembler.flush(); // the first two traces are analysed now
    expect(dropLines()).toHaveLength(1);
    // The interval passed: one line with the drops since the previous one only.
    clock.advance(25_000);
    assembler.flush();
    expect(dropLines()).toEqual([
      expect.any(String),
      'fedscope warn: the trace assembler dropped 4 traces (sampled_out 4) and 8 spans (sampled_out 8) in the last 60 s; critical paths and bottlenecks describe 22.2% of federated queries (coverage; the traceAssembly options set the bounds)',
    ]);
    // Nothing new: no line, however long it waits.
    clock.advance(600_000);
    assembler.flush();
    expect(dropLines()).toHaveLength(2);
  });
});
