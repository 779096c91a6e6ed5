import { Module } from '@nestjs/common';
import { ServersModule } from '../servers/servers.module.js';
import { ReplicateJob } from './replicate.job.js';
import { ReplicationsController } from './replications.controller.js';
import { ReplicationsService } from './replications.service.js';

@Module({
  imports: [ServersModule],
  controllers: [ReplicationsController],
  providers: [ReplicationsService, ReplicateJob],
})
export class ReplicationModule {}
