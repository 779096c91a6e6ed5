import { Module, type OnModuleInit } from '@nestjs/common';
import { DriverRegistry } from '../driver-registry.js';
import { WindowsDriver } from './windows.driver.js';

@Module({ providers: [WindowsDriver] })
export class WindowsModule implements OnModuleInit {
  constructor(
    private readonly registry: DriverRegistry,
    private readonly driver: WindowsDriver,
  ) {}

  onModuleInit(): void {
    this.registry.register(this.driver);
  }
}
