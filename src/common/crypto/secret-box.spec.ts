import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips a secret and never stores it in clear', () => {
    const sealed = box.seal('s3cret-password', 'server:1');
    expect(sealed).not.toContain('s3cret');
    expect(box.open(sealed, 'server:1')).toBe('s3cret-password');
  });

  it('uses a fresh IV each time', () => {
    expect(box.seal('same', 'a')).not.toBe(box.seal('same', 'a'));
  });

  it('refuses a blob bound to another row', () => {
    expect(() => box.open(box.seal('x', 'server:1'), 'server:2')).toThrow();
  });

  it('refuses a blob sealed with another key', () => {
    const other = new SecretBox(randomBytes(32));
    expect(() => other.open(box.seal('x', 'a'), 'a')).toThrow();
  });

  it('refuses a tampered blob', () => {
    const sealed = box.seal('secret', 'a');
    const parts = sealed.split(':');
    const body = Buffer.from(parts[3] ?? '', 'base64');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString('base64');
    expect(() => box.open(parts.join(':'), 'a')).toThrow();
  });

  it('digests equal texts equally, and differently under another key', () => {
    expect(box.digest('{"password":"p"}')).toBe(box.digest('{"password":"p"}'));
    expect(box.digest('{"password":"p"}')).not.toBe(box.digest('{"password":"q"}'));
    expect(new SecretBox(randomBytes(32)).digest('{"password":"p"}')).not.toBe(
      box.digest('{"password":"p"}'),
    );
  });

  describe('with earlier keys (ENCRYPTION_KEY_PREVIOUS)', () => {
    const oldKey = randomBytes(32);
    const older = new SecretBox(oldKey);
    const rotated = new SecretBox(randomBytes(32), [randomBytes(32), oldKey]);

    it('opens what an earlier key sealed, and reseals it under the current key only', () => {
      const sealed = older.seal('s3cret', 'server:1');
      expect(rotated.open(sealed, 'server:1')).toBe('s3cret');
      const resealed = rotated.reseal(sealed, 'server:1')!;
      expect(resealed).not.toBe(sealed);
      expect(() => older.open(resealed, 'server:1')).toThrow();
      expect(rotated.open(resealed, 'server:1')).toBe('s3cret');
      expect(rotated.reseal(resealed, 'server:1')).toBeUndefined();
    });

    it('still binds a blob to its row, and refuses one no key opens', () => {
      expect(() => rotated.reseal(older.seal('x', 'server:1'), 'server:2')).toThrow();
      expect(() => rotated.open(box.seal('x', 'a'), 'a')).toThrow('does not open with any configured key');
    });

    it('digests with the current key and recognises digests made with an earlier one', () => {
      const text = '{"password":"p"}';
      expect(rotated.digest(text)).not.toBe(older.digest(text));
      expect(rotated.digestMatches(text, older.digest(text))).toBe(true);
      expect(rotated.digestMatches(text, rotated.digest(text))).toBe(true);
      expect(rotated.digestMatches('{"password":"q"}', older.digest(text))).toBe(false);
      expect(box.digestMatches(text, older.digest(text))).toBe(false);
    });
  });
});
