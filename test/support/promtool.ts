/**
 * Runs Prometheus' own linter, `promtool check metrics`, on exposition text, so tests judge
 * fedscope's /metrics output by the tool Prometheus users have rather than by our own reading of
 * the format. promtool comes with Debian's `prometheus` package, installed by `npm run servers`.
 *
 * @module
 */
import { spawn, spawnSync } from 'node:child_process';
import { requirementGate, serversRequired, START_HINT, type Env, type RequirementGate } from './real-servers.js';

/** Result of {@link checkMetricsWithPromtool}. */
export interface PromtoolResult {
  /** promtool's exit code: 0 clean, 3 lint findings, 1 parse error. */
  readonly exitCode: number;
  /** One entry per non-empty output line, e.g. `foo counter metrics should have "_total" suffix`. */
  readonly findings: string[];
}

/** The promtool executable: `$PROMTOOL` when set, else `promtool` on PATH. */
export function promtoolPath(env: Env = process.env): string {
  const configured = env['PROMTOOL'];
  return configured === undefined || configured === '' ? 'promtool' : configured;
}

function missingMessage(path: string): string {
  return `promtool (${path}) is not installed or not runnable. ${START_HINT} (it installs Debian's prometheus package), or set PROMTOOL to its path.`;
}

// Keyed by path: one `--version` run per executable and test file.
const runnable = new Map<string, boolean>();

/**
 * Whether promtool can be run. When it cannot and servers are required (FEDSCOPE_REQUIRE_SERVERS=1
 * or CI=true) this throws instead of returning false, so a suite gated on it cannot pass by
 * skipping in CI.
 * @throws when promtool is missing and servers are required.
 */
export function promtoolAvailable(env: Env = process.env): boolean {
  const path = promtoolPath(env);
  let available = runnable.get(path);
  if (available === undefined) {
    const run = spawnSync(path, ['--version'], { stdio: 'ignore', timeout: 10_000 });
    available = run.error === undefined && run.status === 0;
    runnable.set(path, available);
  }
  if (!available && serversRequired(env)) {
    throw new Error(`${missingMessage(path)} Servers are required here (FEDSCOPE_REQUIRE_SERVERS=1 or CI=true).`);
  }
  return available;
}

/**
 * Declares that the calling test file needs promtool, like `needsPostgres()`: skipped with a
 * message when missing, a failing test when servers are required. Call at the top level.
 */
export function needsPromtool(env: Env = process.env): RequirementGate {
  let available: boolean;
  try {
    available = promtoolAvailable(env);
  } catch {
    available = false; // required and missing: requirementGate registers the failing test
  }
  return requirementGate('promtool', available ? undefined : missingMessage(promtoolPath(env)), env);
}

/**
 * Lints Prometheus exposition text with `promtool check metrics` (text fed on stdin).
 * Findings are promtool's output lines, so assertions can match on its wording.
 * @throws when promtool is missing (always: there is no result to return) or times out.
 */
export function checkMetricsWithPromtool(text: string, options: { timeoutMs?: number; env?: Env } = {}): Promise<PromtoolResult> {
  const path = promtoolPath(options.env);
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise<PromtoolResult>((resolve, reject) => {
    const child = spawn(path, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`promtool check metrics did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === 'ENOENT' || error.code === 'EACCES' ? new Error(missingMessage(path), { cause: error }) : error);
    });
    // promtool may exit on a parse error before reading everything: EPIPE here is not a failure.
    child.stdin.on('error', () => {});
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === null) {
        reject(new Error(`promtool check metrics was killed by ${signal ?? 'a signal'}`));
        return;
      }
      const findings = Buffer.concat(output)
        .toString('utf8')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
      resolve({ exitCode: code, findings });
    });
    child.stdin.end(text);
  });
}
