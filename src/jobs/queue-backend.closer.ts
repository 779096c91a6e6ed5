import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { QueueBackend } from './queue-backend.js';

/** Closes queue connections in the last shutdown phase, after workers stopped (beforeApplicationShutdown). */
@Injectable()
export class QueueBackendCloser implements OnApplicationShutdown {
  constructor(private readonly backend: QueueBackend) {}

  async onApplicationShutdown(): Promise<void> {
    await this.backend.close();
  }
}
