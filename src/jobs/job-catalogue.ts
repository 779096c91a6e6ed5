import type { ReplicationRequest } from '../replication/replication-request.js';

/**
 * Every queue, the job names on it, and the request each job carries in its Postgres row. The queue message itself
 * only ever holds `{ jobId }` (the row id), so the row stays the truth.
 *
 * A catalogue is declared as `{ queueName: { jobName: RequestType } }` and listed at runtime with
 * {@link defineCatalogue}.
 */
export type CatalogueShape = Record<string, Record<string, object>>;

export type QueueOf<C extends CatalogueShape> = keyof C & string;
export type JobNameOf<C extends CatalogueShape, Q extends QueueOf<C>> = keyof C[Q] & string;
export type RequestOf<C extends CatalogueShape, Q extends QueueOf<C>, N extends JobNameOf<C, Q>> = C[Q][N];

/** The runtime list of a catalogue's queues and job names (types are erased, start-up checks need names). */
export type CatalogueNames<C extends CatalogueShape> = {
  readonly [Q in QueueOf<C>]: readonly JobNameOf<C, Q>[];
};

export function defineCatalogue<C extends CatalogueShape>(names: CatalogueNames<C>): CatalogueNames<C> {
  return names;
}

/** The message on the queue: the job row's id, nothing else. */
export interface JobMessage {
  jobId: string;
}

export interface ProductCatalogue extends CatalogueShape {
  replication: { replicate: ReplicationRequest };
}

export const PRODUCT_CATALOGUE = defineCatalogue<ProductCatalogue>({ replication: ['replicate'] });
