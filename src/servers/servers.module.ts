import { Module } from '@nestjs/common';
import { ConnectionTestService } from './connection-test.service.js';
import { ServersController } from './servers.controller.js';
import { ServerLockService } from './server-lock.service.js';
import { SecretRotationService } from './secret-rotation.service.js';
import { ServersService } from './servers.service.js';

@Module({
  controllers: [ServersController],
  providers: [ServersService, ConnectionTestService, ServerLockService, SecretRotationService],
  exports: [ServersService, ServerLockService],
})
export class ServersModule {}
