import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';

/** A `/metrics` endpoint on a free loopback port. */
export interface PrometheusEndpoint {
  /** The endpoint's URL (`http://127.0.0.1:<port>/metrics`). */
  url: string;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Serves `exporter` (built with `preventServerStart: true`) on a free loopback port: the
 * exporter's own server takes a fixed port (0 means its default, 9464), and benches run side by
 * side. Every request is answered by the exporter's handler, as its own server would.
 */
export async function servePrometheusExporter(exporter: PrometheusExporter): Promise<PrometheusEndpoint> {
  const server = createServer((req, res) => exporter.getMetricsRequestHandler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
