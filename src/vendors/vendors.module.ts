import { Global, Module } from '@nestjs/common';
import { DriverRegistry } from './driver-registry.js';

@Global()
@Module({ providers: [DriverRegistry], exports: [DriverRegistry] })
export class VendorsModule {}
