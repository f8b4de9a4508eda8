#!/usr/bin/env bash
# Runs the quickstart (`npm start`) for a while with the default alert rules evaluated every 5 s,
# then reports every alert that went to firing, the ones that were pending, the cache hit ratio,
# the CRM's injected faults and the queries that failed. Exits 1 when an alert fired.
#
#   bash scripts/quickstart-soak.sh            # 10 minutes
#   SOAK_SECONDS=120 bash scripts/quickstart-soak.sh
#
# Environment: SOAK_SECONDS (default 600), SOAK_PORT (metrics port, default 19464), and the
# quickstart's own FEDSCOPE_QUICKSTART_* variables (rate, faults).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${SOAK_SECONDS:-600}"
port="${SOAK_PORT:-19464}"
log="$(mktemp -t quickstart-soak.XXXXXX.log)"

OTEL_EXPORTER_PROMETHEUS_PORT="$port" \
FEDSCOPE_QUICKSTART_ALERT_INTERVAL_MS="${FEDSCOPE_QUICKSTART_ALERT_INTERVAL_MS:-5000}" \
FEDSCOPE_QUICKSTART_INTERVAL_MS="${FEDSCOPE_QUICKSTART_INTERVAL_MS:-30000}" \
  node_modules/.bin/tsx examples/quickstart/main.ts >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT

echo "quickstart pid $pid, log $log, running ${seconds}s from $(date -u +%H:%M:%S) UTC"
sleep "$seconds"
alerts="$(curl -sf "http://127.0.0.1:${port}/fedscope/alerts.json")"
snapshot="$(curl -sf "http://127.0.0.1:${port}/fedscope/snapshot.json")"
kill -TERM "$pid"
wait "$pid" || true
trap - EXIT

ALERTS="$alerts" SNAPSHOT="$snapshot" SECONDS_RUN="$seconds" LOG="$log" node --input-type=module -e '
import { readFileSync } from "node:fs";
const alerts = JSON.parse(process.env.ALERTS);
const snapshot = JSON.parse(process.env.SNAPSHOT);
const fired = alerts.history.filter((t) => t.to === "firing");
const pending = [...new Set(alerts.history.filter((t) => t.to === "pending").map((t) => t.alertname))];
const overall = snapshot.overall.sinceStart;
const log = readFileSync(process.env.LOG, "utf8");
const last = (re) => [...log.matchAll(re)].at(-1)?.[0] ?? "(none)";
console.log(`ran ${process.env.SECONDS_RUN} s: ${alerts.counters.evaluations ?? "?"} alert evaluations`);
console.log(`alerts fired: ${fired.length === 0 ? "none" : fired.map((t) => `${t.alertname} at ${t.at} (value ${t.value})`).join("; ")}`);
console.log(`alerts that were pending (did not fire): ${pending.length === 0 ? "none" : pending.join(", ")}`);
console.log(`since start: ${overall.count} queries, ${overall.errors} failed, p95 ${overall.p95?.toFixed(1)} ms, cache hit ratio ${(overall.cacheHitRatio * 100).toFixed(1)}%`);
for (const s of snapshot.sources) console.log(`source ${s.labels.source}: ${s.sinceStart.count} calls, ${s.sinceStart.errors} failed, p95 ${s.sinceStart.p95?.toFixed(1)} ms`);
console.log(last(/^crm faults:.*$/gm));
console.log(last(/^stopped on .*$/gm));
process.exit(fired.length === 0 ? 0 : 1);
'
