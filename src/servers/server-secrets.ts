import type { SecretBox } from '../common/crypto/secret-box.js';

/**
 * Secrets of a row, sealed as one JSON object. `row` (e.g. `server:<id>`) is the associated data: a sealed blob only
 * opens on the row it was written for.
 */
export function sealRowSecrets(box: SecretBox, row: string, secrets: Record<string, string>): string | null {
  return Object.keys(secrets).length === 0 ? null : box.seal(JSON.stringify(secrets), row);
}

export function openRowSecrets(box: SecretBox, row: string, sealed: string | null): Record<string, string> {
  return sealed === null ? {} : (JSON.parse(box.open(sealed, row)) as Record<string, string>);
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
