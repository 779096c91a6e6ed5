import { Module } from '@nestjs/common';
import { ApiKeyAuthenticator } from './api-key-authenticator.service.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysService } from './api-keys.service.js';
import { BootstrapAdminService } from './bootstrap-admin.service.js';
import { PrincipalsController } from './principals.controller.js';
import { PrincipalsService } from './principals.service.js';

@Module({
  controllers: [PrincipalsController, ApiKeysController],
  providers: [ApiKeyAuthenticator, PrincipalsService, ApiKeysService, BootstrapAdminService],
  exports: [ApiKeyAuthenticator],
})
export class AuthModule {}
