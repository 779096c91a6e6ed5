import type { SecretBox } from '../common/crypto/secret-box.js';

// The row id is the associated data: a sealed blob only opens on the row it was written for.
export function sealSecrets(
  box: SecretBox,
  serverId: string,
  secrets: Record<string, string>,
): string | null {
  return Object.keys(secrets).length === 0 ? null : box.seal(JSON.stringify(secrets), `server:${serverId}`);
}

export function openSecrets(box: SecretBox, serverId: string, sealed: string | null): Record<string, string> {
  return sealed === null
    ? {}
    : (JSON.parse(box.open(sealed, `server:${serverId}`)) as Record<string, string>);
}
