import { createHash, randomBytes } from 'node:crypto';

const KEY_PREFIX = 'dfm_';

/** A new API key: 32 random bytes, base64url, with a recognisable prefix (secret scanners can match `dfm_`). */
export function generateApiKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * Keys are high-entropy random strings, so a plain SHA-256 digest is enough at rest (a slow password hash would
 * add latency to every request and no security); it also allows an indexed lookup.
 */
export function digestApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** What a person sees to tell keys apart. */
export function displayPrefix(key: string): string {
  return key.slice(0, 12);
}
