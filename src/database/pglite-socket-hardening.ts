/**
 * Runtime fixes for @electric-sql/pglite-socket 0.2.17 (pinned exactly in package.json: these touch private
 * fields, and fail loudly if they change). Every client of the socket shares PGlite's single session, and stock
 * 0.2.17 interleaves the extended-protocol messages (Parse/Bind/Execute/Sync) of different clients, so one client
 * can receive another's rows (upstream issue electric-sql/pglite#1046). Applied before `start()`:
 * 1. affinity: the session stays with one client until it ends its sequence (Sync, Query or Terminate);
 * 2. an internal error no longer leaves the queue marked busy forever (every later query would hang);
 * 3. NOTIFY is copied to every client (it otherwise reaches only the one that sent it), so LISTENing queue
 *    workers wake at once instead of on their polling timeout.
 */
const SYNC = 0x53;
const QUERY = 0x51;
const TERMINATE = 0x58;
const NOTIFICATION = 0x41;

interface PgliteDb {
  isInTransaction(): boolean;
  execProtocolRawStream(message: Uint8Array, options?: unknown): Promise<unknown>;
}

interface QueryQueue {
  db: PgliteDb;
  processing: boolean;
  lastHandlerId: unknown;
  queue: unknown[];
  enqueue(handlerId: number, message: Uint8Array, onData: (chunk: Uint8Array) => void): unknown;
  processQueue(): Promise<void>;
}

interface Handler {
  handlerId: number;
  socket?: { writable: boolean; write(data: Uint8Array): boolean };
}

export function hardenPgliteSocket(server: object): void {
  const internals = server as { queryQueue?: QueryQueue; handlers?: Set<Handler> };
  const queue = internals.queryQueue;
  const handlers = internals.handlers;
  if (
    !queue?.db ||
    typeof queue.enqueue !== 'function' ||
    typeof queue.processQueue !== 'function' ||
    !(handlers instanceof Set)
  ) {
    throw new Error(
      'pglite-socket internals changed: the hardening in pglite-socket-hardening.ts needs a review',
    );
  }

  const db = queue.db;
  let sequenceOpen = false;
  queue.db = new Proxy(db, {
    get(target, property) {
      if (property === 'isInTransaction') {
        return () => sequenceOpen || target.isInTransaction();
      }
      if (property === 'execProtocolRawStream') {
        return async (message: Uint8Array, options?: unknown) => {
          try {
            return await target.execProtocolRawStream(message, options);
          } finally {
            const type = message[0];
            sequenceOpen = !(type === SYNC || type === QUERY || type === TERMINATE || type === 0);
          }
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });

  const processQueue = queue.processQueue.bind(queue);
  queue.processQueue = async () => {
    await processQueue();
    if (queue.processing) {
      queue.processing = false;
      sequenceOpen = false;
      queue.lastHandlerId = null;
      if (queue.queue.length > 0) void queue.processQueue();
    }
  };

  const pending = new Map<number, Buffer>();
  const enqueue = queue.enqueue.bind(queue);
  queue.enqueue = (handlerId, message, onData) =>
    enqueue(handlerId, message, (chunk) => {
      onData(chunk);
      const previous = pending.get(handlerId);
      const buffer = previous ? Buffer.concat([previous, Buffer.from(chunk)]) : Buffer.from(chunk);
      let offset = 0;
      while (buffer.length - offset >= 5) {
        const length = buffer.readInt32BE(offset + 1);
        if (buffer.length - offset < 1 + length) break;
        if (buffer[offset] === NOTIFICATION) {
          const notification = Buffer.from(buffer.subarray(offset, offset + 1 + length));
          for (const handler of handlers) {
            if (handler.handlerId !== handlerId && handler.socket?.writable)
              handler.socket.write(notification);
          }
        }
        offset += 1 + length;
      }
      if (offset < buffer.length) pending.set(handlerId, Buffer.from(buffer.subarray(offset)));
      else pending.delete(handlerId);
      if (pending.size > handlers.size + 8) {
        const live = new Set([...handlers].map((handler) => handler.handlerId));
        for (const id of pending.keys()) if (!live.has(id)) pending.delete(id);
      }
    });
}
