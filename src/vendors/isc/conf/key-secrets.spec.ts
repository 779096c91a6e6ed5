import { redactKeySecrets } from './key-secrets.js';

describe('redactKeySecrets', () => {
  it("hides a key's secret, quoted or not, in dhcpd's diagnostics and leaves the rest", () => {
    const text = [
      "dhcpd.conf line 3: stuff after base64 '=' terminator: x.",
      '  secret "c2VjcmV0LWtleQ==" x;',
      '                             ^',
      '  SECRET ab+cd/ef==;',
      '  algorithm hmac-md5;',
    ].join('\n');
    expect(redactKeySecrets(text)).toBe(
      [
        "dhcpd.conf line 3: stuff after base64 '=' terminator: x.",
        '  secret [redacted] x;',
        '                             ^',
        '  SECRET [redacted];',
        '  algorithm hmac-md5;',
      ].join('\n'),
    );
  });
});
