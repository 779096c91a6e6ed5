import { Module, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { DriverRegistry } from '../driver-registry.js';
import { IscDriver } from './isc.driver.js';
import { iscSshPool } from './transport/ssh-pool.js';
import { allowLocalTransport } from './transport/transport-factory.js';

@Module({ providers: [IscDriver] })
export class IscModule implements OnModuleInit {
  constructor(
    private readonly registry: DriverRegistry,
    private readonly driver: IscDriver,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    iscSshPool.configure(this.config.isc.sshIdleMs);
    allowLocalTransport(this.config.isc.localTransport);
    this.registry.register(this.driver);
  }
}
