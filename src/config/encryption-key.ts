import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from './environment.js';

/** Decodes ENCRYPTION_KEY (64 hex digits or base64 of 32 bytes). The format was validated already. */
export function decodeEncryptionKey(value: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32) {
    throw new ConfigurationError(['ENCRYPTION_KEY must decode to exactly 32 bytes']);
  }
  return key;
}

/**
 * The embedded default keeps a generated key in the data folder, so credentials stay readable across restarts.
 * Returns the key and whether it was created now (the caller warns: losing the file loses the credentials).
 */
export function loadOrCreateKeyFile(dataDir: string): { key: Buffer; created: boolean; path: string } {
  const path = join(dataDir, 'encryption.key');
  if (existsSync(path)) {
    return { key: decodeEncryptionKey(readFileSync(path, 'utf8').trim()), created: false, path };
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return { key, created: true, path };
}
