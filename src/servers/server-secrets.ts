import type { SecretBox } from '../common/crypto/secret-box.js';
import { ProblemException } from '../common/problem/problem.exception.js';

/**
 * Secrets of a row, sealed as one JSON object. `row` (e.g. `server:<id>`) is the associated data: a sealed blob only
 * opens on the row it was written for.
 */
export function sealRowSecrets(box: SecretBox, row: string, secrets: Record<string, string>): string | null {
  return Object.keys(secrets).length === 0 ? null : box.seal(JSON.stringify(secrets), row);
}

/**
 * The secrets of a row; a blob this service's key cannot open (ENCRYPTION_KEY changed since they were stored) is a
 * 409 that says so and how to recover, not an unexplained 500.
 */
export function openRowSecrets(box: SecretBox, row: string, sealed: string | null): Record<string, string> {
  if (sealed === null) return {};
  let opened: string;
  try {
    opened = box.open(sealed, row);
  } catch {
    const [kind, id] = row.split(':');
    throw ProblemException.conflict(
      `The stored credentials of ${kind} ${id} cannot be decrypted with this service's ENCRYPTION_KEY (was it ` +
        'changed?): restore the key, or send the credentials again (PATCH).',
    );
  }
  return JSON.parse(opened) as Record<string, string>;
}

export function sealSecrets(
  box: SecretBox,
  serverId: string,
  secrets: Record<string, string>,
): string | null {
  return sealRowSecrets(box, `server:${serverId}`, secrets);
}

export function openSecrets(box: SecretBox, serverId: string, sealed: string | null): Record<string, string> {
  return openRowSecrets(box, `server:${serverId}`, sealed);
}
