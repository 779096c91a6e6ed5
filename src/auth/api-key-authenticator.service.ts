import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AuthenticatedPrincipal } from './authenticated-principal.js';
import { digestApiKey } from './api-key-secret.js';
import type { PrincipalKind } from './principal.entity.js';

// Writing last_used_at on every request would turn every read into a write; a minute's precision is enough.
const LAST_USED_RESOLUTION_MS = 60_000;

/** Resolves a presented API key to its principal, or undefined when the key is unknown, revoked or expired. */
@Injectable()
export class ApiKeyAuthenticator {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async authenticate(key: string): Promise<AuthenticatedPrincipal | undefined> {
    const rows: Array<{
      key_id: string;
      last_used_at: Date | null;
      id: string;
      name: string;
      kind: PrincipalKind;
    }> = await this.dataSource.query(
      `SELECT k.id AS key_id, k.last_used_at, p.id, p.name, p.kind
           FROM api_keys k JOIN principals p ON p.id = k.principal_id
          WHERE k.digest = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
            AND NOT p.disabled`,
      [digestApiKey(key)],
    );
    const row = rows[0];
    if (!row) {
      return undefined;
    }
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
      // A new version too: lastUsedAt is part of the key's representation, so its ETag must change with it (a read
      // with the old one in If-None-Match would otherwise answer 304 and keep the old lastUsedAt).
      await this.dataSource.query(
        'UPDATE api_keys SET last_used_at = now(), version = version + 1 WHERE id = $1',
        [row.key_id],
      );
    }
    return { id: row.id, name: row.name, kind: row.kind, apiKeyId: row.key_id };
  }
}
