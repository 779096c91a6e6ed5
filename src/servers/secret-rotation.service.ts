import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { SecretBox } from '../common/crypto/secret-box.js';

/**
 * The tables holding sealed secrets, and the row name each blob is bound to (its associated data: `server:<id>` from
 * server-secrets.ts, `relationship:<id>` from relationship-secrets.ts).
 */
const SEALED = [
  { table: 'servers', row: 'server' },
  { table: 'relationships', row: 'relationship' },
] as const;

export interface RotationReport {
  /** Blobs an earlier key had sealed, now sealed with the current ENCRYPTION_KEY. */
  resealed: number;
  /** Blobs no configured key opens (their rows answer 409 until the credentials are sent again). */
  unreadable: string[];
}

/**
 * Moves stored credentials onto the current ENCRYPTION_KEY when ENCRYPTION_KEY_PREVIOUS names earlier keys: at
 * start-up every blob that only an earlier key opens is sealed anew, so that the earlier keys can be dropped once
 * every instance runs with the new one. Each row is replaced only if it still holds the blob read (a credential sent
 * again meanwhile is not overwritten); every instance may run it, and what one did the next finds done.
 */
@Injectable()
export class SecretRotationService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SecretRotationService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    private readonly audit: AuditService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.box.rotating) return;
    const report = await this.rotate();
    this.logger.log(
      { resealed: report.resealed, unreadable: report.unreadable },
      report.unreadable.length === 0
        ? 'Stored credentials are sealed with the current ENCRYPTION_KEY: ENCRYPTION_KEY_PREVIOUS can be removed ' +
            'once every instance runs with this key'
        : 'Stored credentials are sealed with the current ENCRYPTION_KEY, except those no configured key opens ' +
            '(send them again)',
    );
  }

  async rotate(): Promise<RotationReport> {
    const report: RotationReport = { resealed: 0, unreadable: [] };
    for (const { table, row } of SEALED) {
      const rows = await this.dataSource.query<Array<{ id: string; sealed: string }>>(
        `SELECT id, sealed_secrets AS sealed FROM ${table} WHERE sealed_secrets IS NOT NULL`,
      );
      for (const { id, sealed } of rows) {
        let resealed: string | undefined;
        try {
          resealed = this.box.reseal(sealed, `${row}:${id}`);
        } catch {
          report.unreadable.push(`${row} ${id}`);
          continue;
        }
        if (resealed === undefined) continue;
        const done = await this.dataSource.transaction(async (manager) => {
          // UPDATE answers [rows, affected] (TypeORM's postgres driver).
          const [, count] = await manager.query<[unknown, number]>(
            `UPDATE ${table} SET sealed_secrets = $1 WHERE id = $2 AND sealed_secrets = $3`,
            [resealed, id, sealed],
          );
          if (count === 0) return false;
          await this.audit.record(manager, {
            action: `${row}.credentials-resealed`,
            targetType: row,
            targetId: id,
            principalId: null,
            correlationId: null,
            details: { reason: 'sealed with the current ENCRYPTION_KEY (ENCRYPTION_KEY_PREVIOUS rotation)' },
          });
          return true;
        });
        if (done) report.resealed += 1;
      }
    }
    return report;
  }
}
