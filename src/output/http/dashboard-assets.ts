import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file the dashboard serves, read once and kept. */
export interface DashboardAsset {
  /** The bytes sent. */
  readonly body: Buffer;
  /** The `content-type` header. */
  readonly contentType: string;
  /** A strong validator of `body` (quoted, as the `etag` header carries it). */
  readonly etag: string;
}

/** The page's own files (in the page folder) and uPlot's (from its package), by the name they are served under. */
const PAGE_FILES: Readonly<Record<string, string>> = {
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard-api.js': 'text/javascript; charset=utf-8',
  'dashboard-charts.js': 'text/javascript; charset=utf-8',
  'dashboard-dom.js': 'text/javascript; charset=utf-8',
  'dashboard-views.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
};
const UPLOT_FILES: Readonly<Record<string, string>> = {
  'uPlot.iife.min.js': 'text/javascript; charset=utf-8',
  'uPlot.min.css': 'text/css; charset=utf-8',
};
/** What `index.html` writes where the versioned asset folder goes. */
const ASSET_BASE_PLACEHOLDER = '%ASSET_BASE%';

/**
 * The folder of the page's own files. They are plain files (HTML, CSS, `// @ts-check` JavaScript
 * checked by `tsconfig.dashboard.json`), not compiled by tsc, so they are read from
 * `src/output/dashboard/` in both layouts: next to this module when it runs from the sources
 * (tsx, vitest), and from the package root when it runs from `dist/src/output/http/` (the
 * published package lists `src/output/dashboard` in package.json `files`).
 */
export function dashboardPageDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const besideSources = join(here, '..', 'dashboard');
  return existsSync(join(besideSources, 'index.html')) ? besideSources : join(here, '..', '..', '..', '..', 'src', 'output', 'dashboard');
}

/** uPlot's `dist/` folder, resolved from node_modules as any dependency is (no network at run time). */
function uplotDirectory(): string {
  return dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));
}

/**
 * The dashboard's files, read from disk at the first request and kept in memory (about 100 kB).
 * Assets are served under a folder named after a hash of all of them (`assets/<version>/…`), so
 * they can be cached as immutable: a changed file changes every asset URL the page names.
 */
export class DashboardAssets {
  private loaded: { version: string; page: DashboardAsset; assets: Map<string, DashboardAsset> } | undefined;

  /**
   * @param pageDirectory - where `index.html` and the page's scripts and styles are
   * @param uplotDirectory - where uPlot's built files are
   */
  constructor(
    private readonly pageDirectory: string = dashboardPageDirectory(),
    private readonly uplotDirectoryPath: string = uplotDirectory(),
  ) {}

  /** The hash naming the asset folder. @throws when a file cannot be read (a broken install) */
  get version(): string {
    return this.load().version;
  }

  /** `index.html`, naming the assets under `assets/<version>/`. @throws when a file cannot be read */
  page(): DashboardAsset {
    return this.load().page;
  }

  /** One asset, or undefined when `version` is not the current one or `name` is not an asset (no path is ever built from the request). */
  asset(version: string, name: string): DashboardAsset | undefined {
    const loaded = this.load();
    return version === loaded.version ? loaded.assets.get(name) : undefined;
  }

  private load(): { version: string; page: DashboardAsset; assets: Map<string, DashboardAsset> } {
    if (this.loaded) return this.loaded;
    const assets = new Map<string, DashboardAsset>();
    const versionHash = createHash('sha256');
    const add = (directory: string, files: Readonly<Record<string, string>>): void => {
      for (const [name, contentType] of Object.entries(files)) {
        const body = readFileSync(join(directory, name));
        versionHash.update(name).update(body);
        assets.set(name, asset(body, contentType));
      }
    };
    add(this.pageDirectory, PAGE_FILES);
    add(this.uplotDirectoryPath, UPLOT_FILES);
    const version = versionHash.digest('hex').slice(0, 16);
    const html = readFileSync(join(this.pageDirectory, 'index.html'), 'utf8').replaceAll(ASSET_BASE_PLACEHOLDER, `assets/${version}`);
    this.loaded = { version, page: asset(Buffer.from(html, 'utf8'), 'text/html; charset=utf-8'), assets };
    return this.loaded;
  }
}

function asset(body: Buffer, contentType: string): DashboardAsset {
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}
