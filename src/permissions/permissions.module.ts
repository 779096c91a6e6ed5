import { Global, Module } from '@nestjs/common';
import { GrantsController } from './grants.controller.js';
import { GrantsService } from './grants.service.js';
import { PermissionService } from './permission.service.js';
import { RolesController } from './roles.controller.js';
import { RolesService } from './roles.service.js';

@Global()
@Module({
  controllers: [RolesController, GrantsController],
  providers: [PermissionService, RolesService, GrantsService],
  exports: [PermissionService],
})
export class PermissionsModule {}
