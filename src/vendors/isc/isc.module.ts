import { Module, type OnModuleInit } from '@nestjs/common';
import { DriverRegistry } from '../driver-registry.js';
import { IscDriver } from './isc.driver.js';

@Module({ providers: [IscDriver] })
export class IscModule implements OnModuleInit {
  constructor(
    private readonly registry: DriverRegistry,
    private readonly driver: IscDriver,
  ) {}

  onModuleInit(): void {
    this.registry.register(this.driver);
  }
}
