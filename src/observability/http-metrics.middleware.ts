import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service.js';

/**
 * Times every request, labelled by the matched route pattern (never the raw URL, to bound cardinality); requests held
 * at the caller's request (long polls) are counted instead.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const end = this.metrics.httpRequestDuration.startTimer({ method: request.method });
    response.on('finish', () => {
      const route = (request.route as { path?: string } | undefined)?.path;
      const labels = {
        route: route ? `${request.baseUrl}${route}` : 'unmatched',
        status_code: String(response.statusCode),
      };
      // A long poll's seconds are the wait its caller asked for: counted apart, they would swamp the latencies.
      if (response.getHeader('Preference-Applied') !== undefined) {
        this.metrics.heldRequests.inc({ method: request.method, ...labels });
        return;
      }
      end(labels);
    });
    next();
  }
}
