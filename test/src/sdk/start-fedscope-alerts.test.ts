import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { federatedQuery, stage } from '../../../instrumentations/federation-stage.js';
import { FedscopeConfigError } from '../../../src/diagnostics/fedscope-config-error.js';
import type { FedscopeHandle } from '../../../src/sdk/fedscope-handle.js';
import { startFedscope } from '../../../src/sdk/start-fedscope.js';

let handle: FedscopeHandle | undefined;
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('startFedscope: alerts', () => {
  it('evaluates rules over the derived figures and delivers firing alerts to a webhook', async () => {
    const received: Array<{ status: string; alerts: Array<{ labels: Record<string, string> }> }> = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as (typeof received)[number]);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      handle = startFedscope({
        prometheus: false,
        otlp: false,
        hostMetrics: false,
        alerts: {
          defaultRules: false,
          log: false,
          evaluationIntervalMs: 100,
          rules: [{ alert: 'SlowReport', figure: 'query.p95Ms', window: '1m', op: '>', threshold: 5, severity: 'warning' }],
          webhooks: [{ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` }],
        },
      });
      for (let i = 0; i < 5; i++) await federatedQuery('slow_report', () => stage('fetch', () => sleep(15)));
      for (let i = 0; i < 100 && received.length === 0; i++) await sleep(50);
      expect(received[0]?.status).toBe('firing');
      expect(received[0]?.alerts[0]?.labels).toMatchObject({ alertname: 'SlowReport', severity: 'warning', query: 'slow_report' });
      expect(handle.alerts()?.active.map((a) => a.labels['alertname'])).toEqual(['SlowReport']);
    } finally {
      await handle?.shutdown();
      handle = undefined;
      server.close();
      server.closeAllConnections();
    }
  });

  it('rejects a bad rules file at start, naming the file, the rule and the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedscope-rules-'));
    const file = join(dir, 'rules.yaml');
    writeFileSync(
      file,
      'rules:\n  - alert: Ok\n    figure: query.errorRate\n    op: ">"\n    threshold: 0.1\n  - alert: HighErrorRate\n    figure: query.errorRate\n    op: ">"\n    threshold: 0.05\n    for: soon\n',
    );
    expect(() => startFedscope({ prometheus: false, alerts: { rulesFile: file } })).toThrow(FedscopeConfigError);
    expect(() => startFedscope({ prometheus: false, alerts: { rulesFile: file } })).toThrow(/rules\.yaml.*rule 2.*HighErrorRate.*for/);
  });
});
