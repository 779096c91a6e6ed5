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
});
