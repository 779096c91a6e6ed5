import { Module } from '@nestjs/common';
import { ServersModule } from '../servers/servers.module.js';
import { RelationshipsController } from './relationships.controller.js';
import { RelationshipDiscoveryService } from './relationship-discovery.service.js';
import { RelationshipRegistrationService } from './relationship-registration.service.js';
import { RelationshipRemovalService } from './relationship-removal.service.js';
import { RelationshipScopesService } from './relationship-scopes.service.js';
import { RelationshipUpdateService } from './relationship-update.service.js';
import { RelationshipsService } from './relationships.service.js';

@Module({
  imports: [ServersModule],
  controllers: [RelationshipsController],
  providers: [
    RelationshipsService,
    RelationshipScopesService,
    RelationshipUpdateService,
    RelationshipDiscoveryService,
    RelationshipRegistrationService,
    RelationshipRemovalService,
  ],
})
export class RelationshipsModule {}
