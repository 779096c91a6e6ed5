import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Express } from 'express';
import { JobCatalogueNames } from '../job-catalogue.token.js';
import { QueueBackend } from '../queue-backend.js';
import { DashboardAccess } from './dashboard-access.js';

/** Where operators find Bull Board: outside the versioned API, as it is a UI and not a contract. */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * Bull Board over the catalogued queues, for operators. Read-only: the job rows in Postgres are the truth and
 * cancelling goes through the API, so retrying or removing queue entries from the board would bypass both.
 */
@Injectable()
export class QueueDashboardService implements OnModuleInit {
  private readonly logger = new Logger(QueueDashboardService.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly backend: QueueBackend,
    private readonly catalogue: JobCatalogueNames,
    private readonly access: DashboardAccess,
  ) {}

  // Runs after Nest registered its routes and before its not-found handler, so the board is reachable.
  onModuleInit(): void {
    const http = this.adapterHost.httpAdapter?.getInstance<Express>();
    if (!http) return; // a worker-only process serves no HTTP
    const board = new ExpressAdapter();
    board.setBasePath(QUEUE_DASHBOARD_PATH);
    createBullBoard({
      queues: Object.keys(this.catalogue.names).map(
        (name) => new BullMQAdapter(this.backend.queue(name), { readOnlyMode: true }),
      ),
      serverAdapter: board,
      options: { uiConfig: { boardTitle: 'dhcp-failover-manager' } },
    });
    http.use(QUEUE_DASHBOARD_PATH, this.access.middleware, board.getRouter() as Express);
    this.logger.log(`Queue dashboard at ${QUEUE_DASHBOARD_PATH} (Administrators only)`);
  }
}
