import { Module } from '@nestjs/common';
import { ConnectionTestService } from './connection-test.service.js';
import { ServersController } from './servers.controller.js';
import { ServersService } from './servers.service.js';

@Module({
  controllers: [ServersController],
  providers: [ServersService, ConnectionTestService],
  exports: [ServersService],
})
export class ServersModule {}
