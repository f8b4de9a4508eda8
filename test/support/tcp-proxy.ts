/**
 * A loopback TCP proxy that a test can cut: every connection through it is reset abruptly (a real
 * RST on both sides, as a dropped network path or a killed middlebox gives), and while it is cut new
 * connections are refused (accepted, then reset) or black-holed (accepted and never answered) until
 * {@link TcpProxy.restore}.
 *
 * ```ts
 * const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
 * const pool = new pg.Pool({ ...config, port: proxy.port });
 * proxy.cut();      // in-flight queries fail with ECONNRESET, new connects fail
 * proxy.restore();  // new connections reach the server again
 * await proxy.close();
 * ```
 *
 * @module
 */
import { connect, createServer, type Socket } from 'node:net';

/** How a cut proxy treats new connections. */
export type CutMode = 'refuse' | 'blackhole';

/** A running proxy; see the module comment. */
export interface TcpProxy {
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** The port the proxy listens on. */
  readonly port: number;
  /** Whether the proxy is cut now. */
  readonly isCut: boolean;
  /** Client connections open now (black-holed ones included). */
  readonly openConnections: number;
  /** Client connections accepted so far. */
  readonly accepted: number;
  /** Connections reset by {@link cut} or refused while cut, so far. */
  readonly resets: number;
  /**
   * Resets every open connection (client and server side) and, until {@link restore}, refuses
   * (`refuse`, the default: accept, then reset) or black-holes (`blackhole`: accept, never
   * forward, never answer) new ones.
   */
  cut(mode?: CutMode): void;
  /** Forwards new connections again; black-holed connections are reset so their clients fail now. */
  restore(): void;
  /** Resets every connection and stops listening. */
  close(): Promise<void>;
}

/** Where the proxy forwards to. */
export interface ProxyTarget {
  readonly host: string;
  readonly port: number;
}

/** Resets a socket (RST, not FIN) unless it is already gone; never throws. */
function reset(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    // A socket that is not connected yet cannot send a RST; destroying it is all that is left.
    socket.destroy();
  }
}

/**
 * Starts a proxy on 127.0.0.1 (a free port) forwarding to `target`, which must be on loopback.
 * @throws when `target.host` is not a loopback address.
 */
export async function startTcpProxy(target: ProxyTarget): Promise<TcpProxy> {
  if (!/^(127\.\d+\.\d+\.\d+|localhost|::1)$/.test(target.host)) throw new Error(`tcp-proxy forwards to loopback only, not ${target.host}`);
  // Each open client socket with its upstream (undefined while black-holed).
  const open = new Map<Socket, Socket | undefined>();
  let mode: CutMode | undefined;
  let accepted = 0;
  let resets = 0;

  const drop = (client: Socket): void => {
    const upstream = open.get(client);
    open.delete(client);
    resets++;
    reset(client);
    if (upstream !== undefined) reset(upstream);
  };

  const server = createServer((client) => {
    accepted++;
    client.on('error', () => {}); // a peer's RST while we forward; 'close' cleans up
    if (mode === 'refuse') {
      resets++;
      reset(client);
      return;
    }
    if (mode === 'blackhole') {
      open.set(client, undefined);
      client.pause();
      client.on('close', () => open.delete(client));
      return;
    }
    const upstream = connect(target.port, target.host);
    upstream.on('error', () => {});
    open.set(client, upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    // One side gone: pass the end on the way it came (a reset stays a reset).
    client.on('close', (hadError) => {
      open.delete(client);
      if (hadError) reset(upstream);
      else upstream.end();
    });
    upstream.on('close', (hadError) => {
      if (hadError) reset(client);
      else client.end();
    });
  });
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('tcp-proxy: no listening address');

  return {
    host: '127.0.0.1',
    port: address.port,
    get isCut() {
      return mode !== undefined;
    },
    get openConnections() {
      return open.size;
    },
    get accepted() {
      return accepted;
    },
    get resets() {
      return resets;
    },
    cut(newMode: CutMode = 'refuse') {
      mode = newMode;
      for (const client of [...open.keys()]) drop(client);
    },
    restore() {
      mode = undefined;
      for (const [client, upstream] of [...open]) if (upstream === undefined) drop(client);
    },
    close() {
      mode = 'refuse';
      for (const client of [...open.keys()]) drop(client);
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
