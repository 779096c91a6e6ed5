import { Module } from '@nestjs/common';
import { ServersModule } from '../servers/servers.module.js';
import { ScopesController } from './scopes.controller.js';
import { ScopesService } from './scopes.service.js';

@Module({
  imports: [ServersModule],
  controllers: [ScopesController],
  providers: [ScopesService],
  exports: [ScopesService],
})
export class ScopesModule {}
