/** Our own job states; raw BullMQ states never reach callers. */
export const JOB_STATES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'partially_succeeded',
  'cancelled',
] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINISHED_JOB_STATES: readonly JobState[] = [
  'succeeded',
  'failed',
  'partially_succeeded',
  'cancelled',
];
