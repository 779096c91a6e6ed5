import type { SecretBox } from '../common/crypto/secret-box.js';
import type { FieldError } from '../common/problem/problem-details.js';
import { openRowSecrets, sealRowSecrets } from '../servers/server-secrets.js';

/** Settings that are secrets: sealed apart from `settings` (bound to the relationship's row) and never returned. */
export const RELATIONSHIP_SECRETS = ['sharedSecret'] as const;
/** Settings a caller may read but not set. */
const READ_ONLY_SETTINGS = ['messageAuthentication'] as const;

export function sealRelationshipSecrets(
  box: SecretBox,
  id: string,
  secrets: Record<string, string>,
): string | null {
  return sealRowSecrets(box, `relationship:${id}`, secrets);
}

export function openRelationshipSecrets(
  box: SecretBox,
  id: string,
  sealed: string | null,
): Record<string, string> {
  return openRowSecrets(box, `relationship:${id}`, sealed);
}

/** Splits validated settings into what is stored in clear and the secrets. */
export function splitSecrets(settings: Record<string, unknown>): {
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
} {
  const clear: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings)) {
    if ((RELATIONSHIP_SECRETS as readonly string[]).includes(key)) {
      if (typeof value === 'string') secrets[key] = value;
    } else if (!(READ_ONLY_SETTINGS as readonly string[]).includes(key)) {
      clear[key] = value;
    }
  }
  return { settings: clear, secrets };
}

/** What a caller's settings may not set (read-only settings), as field errors. */
export function readOnlySettingErrors(settings: Record<string, unknown> | undefined): FieldError[] {
  return READ_ONLY_SETTINGS.filter((key) => settings?.[key] !== undefined).map((key) => ({
    field: `settings.${key}`,
    message: `${key} is read-only: it says whether a sharedSecret is set (send sharedSecret, or null to clear it)`,
  }));
}
