import { ApiKeyEntity } from '../auth/api-key.entity.js';
import { PrincipalEntity } from '../auth/principal.entity.js';
import { IdempotencyRecordEntity } from '../common/idempotency/idempotency-record.entity.js';
import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { JobDiffEntity } from '../jobs/job-diff.entity.js';
import { JobRecordEntity } from '../jobs/job-record.entity.js';
import { GrantEntity } from '../permissions/grant.entity.js';
import { RoleEntity } from '../permissions/role.entity.js';
import { RelationshipServerEntity } from '../relationships/relationship-server.entity.js';
import { RelationshipEntity } from '../relationships/relationship.entity.js';
import { ServerEntity } from '../servers/server.entity.js';

/** Every entity, listed once for the data source, the migration CLI and the schema-drift test. */
export const ENTITIES = [
  PrincipalEntity,
  ApiKeyEntity,
  RoleEntity,
  GrantEntity,
  ServerEntity,
  AuditEventEntity,
  JobRecordEntity,
  JobDiffEntity,
  IdempotencyRecordEntity,
  RelationshipEntity,
  RelationshipServerEntity,
];
