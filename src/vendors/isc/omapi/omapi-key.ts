import { createHmac, timingSafeEqual } from 'node:crypto';
import type { OmapiSigner } from './omapi-wire.js';

/** dhcpd stores `algorithm hmac-md5` under this name and compares it (case-insensitively) when a key is opened. */
export const HMAC_MD5_ALGORITHM = 'hmac-md5.SIG-ALG.REG.INT.';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * An OMAPI key as dhcpd.conf declares it (`key NAME { algorithm hmac-md5; secret BASE64; }`, named by
 * `omapi-key NAME;`): signs what we send and verifies what the server signs with it. HMAC-MD5 is the only algorithm
 * dhcpd's OMAPI accepts. The secret never leaves this object.
 */
export class OmapiHmacMd5Key implements OmapiSigner {
  readonly algorithm = HMAC_MD5_ALGORITHM;
  readonly signatureLength = 16;
  readonly #secret: Buffer;

  constructor(
    readonly name: string,
    secretBase64: string,
  ) {
    if (!name || Buffer.byteLength(name) > 0xffff) throw new Error('an OMAPI key needs a name');
    const text = secretBase64.replace(/\s+/g, '');
    if (!text || !BASE64.test(text)) throw new Error(`the secret of OMAPI key ${name} is not base64`);
    this.#secret = Buffer.from(text, 'base64');
  }

  sign(data: Buffer): Buffer {
    return createHmac('md5', this.#secret).update(data).digest();
  }

  verify(data: Buffer, signature: Buffer): boolean {
    const expected = this.sign(data);
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }

  toJSON(): { name: string; algorithm: string } {
    return { name: this.name, algorithm: this.algorithm };
  }
}
