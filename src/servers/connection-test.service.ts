import { Injectable } from '@nestjs/common';
import { DriverError, withVendorMessage } from '../vendors/driver-error.js';
import { DriverRegistry } from '../vendors/driver-registry.js';
import type { ConnectionTestResultDto } from './dto/server.dto.js';
import { ServersService } from './servers.service.js';

/**
 * Runs a vendor's connection check. A server that cannot be reached is a successful test with a negative result
 * (200, `ok: false`); a vendor this build has no driver for is a 501 problem.
 */
@Injectable()
export class ConnectionTestService {
  constructor(
    private readonly servers: ServersService,
    private readonly drivers: DriverRegistry,
  ) {}

  async test(serverId: string): Promise<ConnectionTestResultDto> {
    const target = await this.servers.target(serverId);
    const driver = this.drivers.get(target.vendor);
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    try {
      const report = await driver.checkConnection(target);
      return { ok: true, ...report, durationMs: elapsed() };
    } catch (error) {
      if (error instanceof DriverError) {
        return {
          ok: false,
          error: { code: error.code, message: withVendorMessage(error) },
          durationMs: elapsed(),
        };
      }
      throw error;
    }
  }
}
