import { Initial1795629177518 } from './1795629177518-Initial.js';
import { BuiltInRoles1795629177519 } from './1795629177519-BuiltInRoles.js';
import { IdempotencyRecords1795630779242 } from './1795630779242-IdempotencyRecords.js';
import { Relationships1795631774342 } from './1795631774342-Relationships.js';
import { DiscoveredRelationships1795632737867 } from './1795632737867-DiscoveredRelationships.js';
import { JobDetails1795639142030 } from './1795639142030-JobDetails.js';
import { RelationshipSecrets1795650025740 } from './1795650025740-RelationshipSecrets.js';
import { JobDiffs1795659813563 } from './1795659813563-JobDiffs.js';
import { JobDiffsLz41795686418256 } from './1795686418256-JobDiffsLz4.js';
import { PeerNameLength1795707790009 } from './1795707790009-PeerNameLength.js';
import { CaseInsensitiveNames1795720000000 } from './1795720000000-CaseInsensitiveNames.js';

/** Every migration, in order. New ones are generated (npm run migration:generate) and added here. */
export const MIGRATIONS = [
  Initial1795629177518,
  BuiltInRoles1795629177519,
  IdempotencyRecords1795630779242,
  Relationships1795631774342,
  DiscoveredRelationships1795632737867,
  JobDetails1795639142030,
  RelationshipSecrets1795650025740,
  JobDiffs1795659813563,
  JobDiffsLz41795686418256,
  PeerNameLength1795707790009,
  CaseInsensitiveNames1795720000000,
];
