import { createHash, timingSafeEqual } from 'node:crypto';

/** `Bearer <token>` as an `Authorization` header carries it (RFC 6750 §2.1; the scheme is case-insensitive). */
const BEARER_HEADER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * Checks a presented bearer token against the configured one without leaking, through timing,
 * how much of it matched: both sides are SHA-256 digests of equal length compared with
 * `crypto.timingSafeEqual`, and the configured token itself is never held (only its digest).
 */
export class BearerTokenCheck {
  /** @param expectedSha256 - the SHA-256 digest of the configured token (see {@link BearerTokenCheck.digest}) */
  constructor(private readonly expectedSha256: Uint8Array) {
    if (expectedSha256.length !== 32) throw new RangeError(`expected a 32-byte SHA-256 digest, got ${expectedSha256.length} bytes`);
  }

  /** The SHA-256 digest a token is compared by. */
  static digest(token: string): Buffer {
    return createHash('sha256').update(token, 'utf8').digest();
  }

  /** Whether an `Authorization` header value carries the configured token (`Bearer <token>`). */
  acceptsHeader(authorization: string | undefined): boolean {
    const presented = BEARER_HEADER.exec(authorization ?? '')?.[1];
    // A missing token is hashed too, so every refusal costs the same.
    const equal = timingSafeEqual(BearerTokenCheck.digest(presented ?? ''), this.expectedSha256);
    return equal && presented !== undefined;
  }
}
