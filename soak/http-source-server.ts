import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What `GET /regions/{code}` answers. */
interface RegionInfo {
  readonly region: string;
  readonly region_name: string;
  readonly currency: string;
}

const REGIONS: readonly RegionInfo[] = [
  { region: 'emea', region_name: 'Europe, Middle East & Africa', currency: 'EUR' },
  { region: 'amer', region_name: 'North America', currency: 'USD' },
  { region: 'apac', region_name: 'Asia Pacific', currency: 'SGD' },
  { region: 'latam', region_name: 'Latin America', currency: 'BRL' },
];

/**
 * The soak's HTTP source: a loopback `node:http` JSON API answering `GET /regions/{code}` with one
 * region (`404` for an unknown one), at once and with keep-alive, as a reference-data service
 * would. It runs in the soak's parent process, so the service reaches it over real sockets.
 */
export class HttpSourceServer {
  private readonly bodies = new Map(REGIONS.map((r) => [`/regions/${r.region}`, JSON.stringify(r)]));
  private server: Server | undefined;
  private served = 0;

  /** Requests answered with 200 so far. */
  get requests(): number {
    return this.served;
  }

  /** Listens on a free loopback port; resolves with the base URL. */
  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const body = req.method === 'GET' ? this.bodies.get(req.url ?? '') : undefined;
      if (body === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        return;
      }
      this.served++;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Stops listening and drops open connections. */
  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}
