import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM for credentials at rest, straight on node:crypto (no library adds anything for one cipher).
 * The associated data binds a ciphertext to its row, so a blob copied onto another server's row will not decrypt.
 *
 * Key rotation: `previous` keys (ENCRYPTION_KEY_PREVIOUS) still open what they sealed; everything is sealed with
 * `key`, and {@link reseal} moves a blob onto it (KeyRotationService does so for every stored secret at start-up).
 */
export class SecretBox {
  private readonly digestKeys: Buffer[];

  constructor(
    private readonly key: Buffer,
    private readonly previous: readonly Buffer[] = [],
  ) {
    if (![key, ...previous].every((each) => each.length === 32)) {
      throw new Error('SecretBox needs 32-byte keys');
    }
    this.digestKeys = [key, ...previous].map((each) =>
      Buffer.from(hkdfSync('sha256', each, Buffer.alloc(0), 'dfm digest', 32)),
    );
  }

  /** Whether earlier keys are configured (a rotation is under way). */
  get rotating(): boolean {
    return this.previous.length > 0;
  }

  /**
   * HMAC-SHA-256 (under a key derived from this box's) of text that may hold credentials: equal texts digest
   * equally, but unlike a plain hash, whoever reads the database cannot test guessed passwords against it.
   */
  digest(text: string): string {
    return hmac(this.digestKeys[0], text);
  }

  /** Whether `digest` is {@link digest} of `text` under the current key or an earlier one (made before a rotation). */
  digestMatches(text: string, digest: string): boolean {
    return this.digestKeys.some((key) => hmac(key, text) === digest);
  }

  seal(plaintext: string, associatedData: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      VERSION,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      body.toString('base64'),
    ].join(':');
  }

  /** The plaintext, opened with the current key or, failing that, an earlier one; throws when none opens it. */
  open(sealed: string, associatedData: string): string {
    return this.openWithAny(sealed, associatedData).plaintext;
  }

  /**
   * The blob sealed anew with the current key when only an earlier key opens it; undefined when the current key
   * opens it already. Throws when no key opens it.
   */
  reseal(sealed: string, associatedData: string): string | undefined {
    const { plaintext, current } = this.openWithAny(sealed, associatedData);
    return current ? undefined : this.seal(plaintext, associatedData);
  }

  private openWithAny(sealed: string, associatedData: string): { plaintext: string; current: boolean } {
    const [version, iv, tag, body] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || body === undefined) {
      throw new Error('Sealed secret has an unknown format');
    }
    for (const key of [this.key, ...this.previous]) {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      try {
        const plaintext = Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]);
        return { plaintext: plaintext.toString('utf8'), current: key === this.key };
      } catch {
        // GCM's tag did not match: not this key (or not this row); the next key is tried.
      }
    }
    throw new Error('Sealed secret does not open with any configured key');
  }
}

function hmac(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('hex');
}
