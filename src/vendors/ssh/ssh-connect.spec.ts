import { DriverErrorCode, withVendorMessage } from '../driver-error.js';
import { connectSsh } from './ssh-connect.js';

describe('connectSsh', () => {
  it('a private key ssh2 cannot use is an auth error that says its cause once', async () => {
    // ssh2 refuses the key before it opens any socket: no server is needed.
    const error = await connectSsh({
      host: '127.0.0.1',
      port: 9,
      username: 'dhcp',
      privateKey: 'not a key',
      hostKeyFingerprint: 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8',
      connectTimeoutMs: 1_000,
      commandTimeoutMs: 1_000,
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: DriverErrorCode.auth });
    const { vendorMessage } = error as { vendorMessage: string };
    expect(vendorMessage).toMatch(/^Cannot parse privateKey/);
    const text = withVendorMessage(error as Parameters<typeof withVendorMessage>[0]);
    expect(text).toBe(`ssh dhcp@127.0.0.1:9: the private key cannot be used (${vendorMessage})`);
    expect(text.split(vendorMessage)).toHaveLength(2);
  });
});
