/** Longest error code kept as `error.type`; longer codes are not codes but messages. */
const MAX_CODE_LENGTH = 64;

/**
 * The `error.type` of a thrown value, kept low-cardinality as semconv asks: a driver's string
 * code (SQLSTATE, errno name) when it has one, else the error's class name, else `_OTHER`.
 */
export function errorTypeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '' && code.length <= MAX_CODE_LENGTH) return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && name !== '' && name.length <= MAX_CODE_LENGTH) return name;
  }
  return '_OTHER';
}

/** A thrown value's message, for span status; never throws on odd values. */
export function errorMessageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return 'unprintable error';
  }
}
