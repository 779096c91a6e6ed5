import { Injectable } from '@nestjs/common';
import { ProblemException } from '../common/problem/problem.exception.js';
import { ProblemType } from '../common/problem/problem-types.js';
import type { DhcpDriver } from './driver.js';
import type { Vendor } from './vendor.js';

/** The drivers this build has, keyed by vendor. Each vendor module registers its driver here at start-up. */
@Injectable()
export class DriverRegistry {
  private readonly drivers = new Map<Vendor, DhcpDriver>();

  register(driver: DhcpDriver): void {
    if (this.drivers.has(driver.vendor)) {
      throw new Error(`A driver for ${driver.vendor} is registered twice`);
    }
    this.drivers.set(driver.vendor, driver);
  }

  has(vendor: Vendor): boolean {
    return this.drivers.has(vendor);
  }

  /** The vendors this build has a driver for. */
  vendors(): Vendor[] {
    return [...this.drivers.keys()];
  }

  /** The vendor's driver, or a 501 problem saying this build cannot manage that vendor yet. */
  get(vendor: Vendor): DhcpDriver {
    const driver = this.drivers.get(vendor);
    if (!driver) {
      throw new ProblemException(
        501,
        ProblemType.vendorNotSupported,
        'Vendor not supported yet',
        `This build has no driver for ${vendor} servers yet; the server is registered, but it cannot be reached until ` +
          `a release with the ${vendor} driver is installed.`,
        { vendor },
      );
    }
    return driver;
  }
}
