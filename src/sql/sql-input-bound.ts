/**
 * The bound on the SQL text fedscope's SQL functions read: only the leading 1 MiB (in UTF-16 code
 * units) of a text is lexed, so a call costs at most that much work and its result is bounded too,
 * whatever the caller hands in. A statement that long is machine-made; its head identifies it.
 */
export const MAX_SQL_TEXT_LENGTH = 1 << 20;

/**
 * `text` cut to at most `max` code units, never between the two halves of a surrogate pair.
 * @param text - the SQL text
 * @param max - the bound
 */
export function leadingSqlText(text: string, max: number = MAX_SQL_TEXT_LENGTH): string {
  if (text.length <= max) return text;
  let end = max;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end);
}
