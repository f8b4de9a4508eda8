/** An attribute value read as a string, when it is one. */
export function stringAttribute(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * An attribute value read as a finite number: a number, or a numeric string (some
 * instrumentations write ports and counts as strings).
 */
export function numberAttribute(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}
