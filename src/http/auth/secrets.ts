import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Recognisable in logs, configs and secret scanners. */
export const SECRET_PREFIX = 'lgr_';

/** 256 random bits, base64url, behind the prefix. Shown once, at creation. */
export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * SHA-256 of the secret, hex. Right for random 256-bit secrets (nothing to brute-force), and
 * fast enough to run on every request, unlike a password hash.
 */
export function digestOf(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** Constant-time comparison of two hex digests. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
