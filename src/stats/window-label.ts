/**
 * A window's label, the `window` attribute of the windowed metrics and the key figures name:
 * `60` → `1m`, `3600` → `1h`, `90` → `90s`.
 */
export function windowLabel(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
