import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { SecretBox } from './secret-box.js';

@Global()
@Module({
  providers: [
    {
      provide: SecretBox,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new SecretBox(config.encryptionKey, config.previousEncryptionKeys ?? []),
    },
  ],
  exports: [SecretBox],
})
export class CryptoModule {}
