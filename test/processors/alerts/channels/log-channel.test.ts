import { describe, expect, it } from 'vitest';
import { formatNotification, LogChannel, logfmtValue } from '../../../../processors/alerts/channels/log-channel.js';
import type { AlertNotification } from '../../../../processors/alerts/types.js';

const firing: AlertNotification = {
  status: 'firing',
  labels: { alertname: 'HighErrorRate', severity: 'critical', query: 'orders', source: 'pg' },
  annotations: { summary: 'error rate of orders is high', description: 'ignored when a summary exists' },
  startsAt: '2026-03-01T12:00:00.000Z',
  endsAt: undefined,
  value: 0.1234567,
  key: 'k',
  resend: false,
};

describe('LogChannel: one logfmt line per transition', () => {
  it('writes time, alertname, state, severity, the other labels with a label_ prefix, value and summary', () => {
    expect(formatNotification(firing)).toBe(
      'time=2026-03-01T12:00:00.000Z alertname=HighErrorRate state=firing severity=critical label_query=orders label_source=pg value=0.1235 summary="error rate of orders is high"',
    );
  });

  it('stamps a resolved alert with the time it resolved, and writes NaN for a missing value', () => {
    const resolved: AlertNotification = {
      ...firing,
      status: 'resolved',
      endsAt: '2026-03-01T12:05:00.000Z',
      value: null,
      annotations: { description: 'back to normal' },
    };
    expect(formatNotification(resolved)).toBe(
      'time=2026-03-01T12:05:00.000Z alertname=HighErrorRate state=resolved severity=critical label_query=orders label_source=pg value=NaN summary="back to normal"',
    );
  });

  it('leaves summary out when there is no summary or description, and keeps a label named value apart from the value field', () => {
    const n: AlertNotification = { ...firing, labels: { alertname: 'A', severity: 'info', value: 'x' }, annotations: {}, value: 3 };
    expect(formatNotification(n)).toBe('time=2026-03-01T12:00:00.000Z alertname=A state=firing severity=info label_value=x value=3');
  });

  it('quotes what logfmt needs quoted and escapes quotes, backslashes and line breaks', () => {
    expect(logfmtValue('plain')).toBe('plain');
    expect(logfmtValue('')).toBe('""');
    expect(logfmtValue('two words')).toBe('"two words"');
    expect(logfmtValue('a=b')).toBe('"a=b"');
    expect(logfmtValue('say "hi"')).toBe('"say \\"hi\\""');
    expect(logfmtValue('back\\slash')).toBe('"back\\\\slash"');
    expect(logfmtValue('line\nbreak\tand\u0001')).toBe('"line\\nbreak\\tand\\u0001"');
    const n: AlertNotification = {
      ...firing,
      labels: { alertname: 'A', severity: 'warning', query: 'a b' },
      annotations: { summary: 'first\nsecond' },
    };
    expect(formatNotification(n)).toBe(
      'time=2026-03-01T12:00:00.000Z alertname=A state=firing severity=warning label_query="a b" value=0.1235 summary="first\\nsecond"',
    );
  });

  it("redacts literals and credentials in label values, also where the summary quotes them, and keeps the rule's own figures", () => {
    const statement = "SELECT * FROM users WHERE email = 'ann@example.com' AND pw = 'hunter2'";
    const n: AlertNotification = {
      ...firing,
      labels: { alertname: 'SlowStatement', severity: 'warning', source: 'postgresql://admin:s3cret@db/app', statement },
      annotations: { summary: `p95 of ${statement} on postgresql://admin:s3cret@db/app is 250 ms (> 100 ms)` },
      value: 250,
    };
    const line = formatNotification(n);
    for (const secret of ['ann@example.com', 'hunter2', 's3cret']) expect(line).not.toContain(secret);
    expect(line).toBe(
      'time=2026-03-01T12:00:00.000Z alertname=SlowStatement state=firing severity=warning label_source=postgresql://db/app ' +
        'label_statement="SELECT * FROM users WHERE email = ? AND pw = ?" value=250 ' +
        'summary="p95 of SELECT * FROM users WHERE email = ? AND pw = ? on postgresql://db/app is 250 ms (> 100 ms)"',
    );
  });

  it('skips re-sends and writes to stderr by default', async () => {
    const lines: string[] = [];
    await new LogChannel({ write: (l) => lines.push(l) }).send([firing, { ...firing, resend: true }]);
    expect(lines).toHaveLength(1);

    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = (chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    };
    try {
      await new LogChannel().send([firing]);
    } finally {
      process.stderr.write = original;
    }
    expect(written).toEqual([`${formatNotification(firing)}\n`]);
  });
});
