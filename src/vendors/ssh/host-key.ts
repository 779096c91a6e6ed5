import { createHash, timingSafeEqual } from 'node:crypto';

/** `SHA256:<base64, no padding>` of a raw SSH public key blob: what `ssh-keygen -lf` prints for the key. */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Whether `presented` is the pinned fingerprint. The digests are compared in constant time so a network observer
 * cannot learn the pinned value byte by byte from how fast a mismatch is refused.
 */
export function fingerprintMatches(pinned: string, presented: string): boolean {
  const a = digestOf(pinned);
  const b = digestOf(presented);
  return a !== undefined && b !== undefined && a.length === b.length && timingSafeEqual(a, b);
}

function digestOf(fingerprint: string): Buffer | undefined {
  const match = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(fingerprint.trim());
  return match ? Buffer.from(match[1], 'base64') : undefined;
}
