import { Module, type OnModuleInit } from '@nestjs/common';
import { DriverRegistry } from '../driver-registry.js';
import { KeaDriver } from './kea.driver.js';

@Module({ providers: [KeaDriver] })
export class KeaModule implements OnModuleInit {
  constructor(
    private readonly registry: DriverRegistry,
    private readonly driver: KeaDriver,
  ) {}

  onModuleInit(): void {
    this.registry.register(this.driver);
  }
}
