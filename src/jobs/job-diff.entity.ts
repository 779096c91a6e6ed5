import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { JobRecordEntity } from './job-record.entity.js';

/**
 * One item's diff of a job (replication: a scope's, keyed `<relationshipId>/<network>`), served in the job's
 * `details.diffs`. A table of its own rather than a part of the job's row: a large replication saves megabytes of
 * diffs before its write, and inserting rows of `json` (kept as sent, not re-parsed into `jsonb` and merged) costs a
 * fraction of updating the job row's `jsonb` would, and leaves the job row (what pollers read) small.
 */
@Entity({ name: 'job_diffs' })
export class JobDiffEntity {
  @PrimaryColumn({ name: 'job_id', type: 'uuid' })
  jobId!: string;

  @PrimaryColumn({ type: 'varchar', length: 200 })
  key!: string;

  @ManyToOne(() => JobRecordEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'job_id' })
  job?: Relation<JobRecordEntity>;

  @Column({ type: 'json' })
  diff!: unknown;
}
