import { Module } from '@nestjs/common';
import { ServersModule } from '../servers/servers.module.js';
import { IscPeersController } from './isc-peers.controller.js';
import { IscPeersService } from './isc-peers.service.js';

@Module({
  imports: [ServersModule],
  controllers: [IscPeersController],
  providers: [IscPeersService],
})
export class IscPeersModule {}
