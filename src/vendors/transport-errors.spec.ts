import { runInNewContext } from 'node:vm';
import { DriverErrorCode, withVendorMessage } from './driver-error.js';
import { errorText, toDriverError } from './transport-errors.js';

const refused = (): NodeJS.ErrnoException =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:22'), { code: 'ECONNREFUSED' });

describe('toDriverError', () => {
  it('says the cause once, where the message and the vendor message are put together', () => {
    const error = toDriverError(refused(), 'ssh dhcp@127.0.0.1:22: connect');
    expect(error.code).toBe(DriverErrorCode.unreachable);
    expect(error.vendorMessage).toBe('connect ECONNREFUSED 127.0.0.1:22');
    expect(withVendorMessage(error)).toBe(
      'ssh dhcp@127.0.0.1:22: connect: cannot reach the host (connect ECONNREFUSED 127.0.0.1:22)',
    );
  });

  it('takes the text of an error made in another realm without "Error: " before it', () => {
    const foreign: unknown = runInNewContext(
      'Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" })',
    );
    expect(foreign instanceof Error).toBe(false);
    expect(errorText(foreign)).toBe('connect ECONNREFUSED 127.0.0.1:9');
    expect(withVendorMessage(toDriverError(foreign, 'ssh a@127.0.0.1:9: connect'))).toBe(
      'ssh a@127.0.0.1:9: connect: cannot reach the host (connect ECONNREFUSED 127.0.0.1:9)',
    );
    expect(errorText('plain text')).toBe('plain text');
  });

  it('keeps the vendor message after the message when the message does not quote it', () => {
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/etc/x'"), {
      code: 'ENOENT',
    });
    expect(withVendorMessage(toDriverError(enoent, 'read /etc/x'))).toBe(
      "read /etc/x: no such file: ENOENT: no such file or directory, open '/etc/x'",
    );
  });
});
