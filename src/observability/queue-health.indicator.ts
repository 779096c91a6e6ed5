import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { QueueBackend } from '../jobs/queue-backend.js';

@Injectable()
export class QueueHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly backend: QueueBackend,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const session = this.indicator.check(key);
    try {
      await Promise.race([
        this.backend.ping(),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('timed out after 3000 ms')), 3000).unref(),
        ),
      ]);
      return session.up();
    } catch (error) {
      return session.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
