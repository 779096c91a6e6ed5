/** The default of DISCOVERY_MAX_AGE_SECONDS. */
export const DISCOVERY_MAX_AGE_SECONDS = 30;
/** The default of ISC_SSH_IDLE_SECONDS. */
export const ISC_SSH_IDLE_SECONDS = 30;
/** The default of JOB_RETENTION_DAYS. */
export const JOB_RETENTION_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;

/** Milliseconds finished jobs are kept for `days` of JOB_RETENTION_DAYS (0: kept for ever, also 0 here). */
export function jobRetentionMs(days: number): number {
  return days * DAY_MS;
}

export type QueueBackendKind = 'redis' | 'postgres';

/**
 * The resolved configuration every module reads: the validated environment plus what start-up decided
 * (embedded stores, generated key). Used as its own injection token.
 */
export class AppConfig {
  readonly port!: number;
  readonly host!: string;
  readonly logLevel!: string;
  readonly dataDir!: string;
  readonly database!: { readonly url: string; readonly embedded: boolean };
  readonly queue!: { readonly backend: QueueBackendKind; readonly url: string; readonly prefix: string };
  /** 32-byte key for AES-256-GCM encryption of credentials at rest. */
  readonly encryptionKey!: Buffer;
  /** Earlier keys (ENCRYPTION_KEY_PREVIOUS): they open what they sealed until it is sealed anew with the current one. */
  readonly previousEncryptionKeys?: readonly Buffer[];
  readonly bootstrapApiKey?: string;
  /** Jobs each worker process runs at once per queue, and how long a crashed worker's job stays locked. */
  readonly jobs!: {
    readonly concurrency: number;
    readonly lockDurationMs: number;
    /** How long a finished job (and its diffs) is kept after it finished; 0: for ever. */
    readonly retentionMs: number;
  };
  /** How long a discovery of failover on the servers answers `GET /relationships` (0: every list asks them). */
  readonly discovery!: { readonly maxAgeMs: number };
  /** How long an SSH connection to an ISC host is kept idle for the next operation (0: none kept). */
  readonly isc!: {
    readonly sshIdleMs: number;
    /** Whether ISC servers may use transport `local` (ISC_LOCAL_TRANSPORT): commands and files on this host. */
    readonly localTransport: boolean;
  };
  /** Which halves of the service this process runs. */
  readonly roles!: { readonly api: boolean; readonly worker: boolean };

  constructor(init: AppConfig) {
    Object.assign(this, init);
  }
}
