import { DriverError, DriverErrorCode, withVendorMessage } from './driver-error.js';

describe('withVendorMessage', () => {
  it("puts the vendor's message after the service's", () => {
    const error = new DriverError(
      DriverErrorCode.invalidConfig,
      'Kea rejected the configuration',
      'bad pool',
    );
    expect(withVendorMessage(error)).toBe('Kea rejected the configuration: bad pool');
  });

  it("says the vendor's first line once when the message quotes it already", () => {
    const diagnostics = '/etc/dhcp/dhcpd.conf line 3: semicolon expected.\n  option foo\n   ^';
    const error = new DriverError(
      DriverErrorCode.invalidConfig,
      'dhcpd -t rejected the configuration: /etc/dhcp/dhcpd.conf line 3: semicolon expected.',
      diagnostics,
    );
    expect(withVendorMessage(error)).toBe(
      'dhcpd -t rejected the configuration: /etc/dhcp/dhcpd.conf line 3: semicolon expected.\n  option foo\n   ^',
    );
  });

  it("keeps the vendor's first line when the message merely ends with the same words", () => {
    const error = new DriverError(
      DriverErrorCode.unreachable,
      'the restart command failed',
      'failed\nJob for isc-dhcp-server.service failed.',
    );
    expect(withVendorMessage(error)).toBe(
      'the restart command failed: failed\nJob for isc-dhcp-server.service failed.',
    );
  });

  it('is the message alone without a vendor message', () => {
    expect(withVendorMessage(new DriverError(DriverErrorCode.conflict, 'changed since read'))).toBe(
      'changed since read',
    );
  });
});

describe('withVendorMessage, a cause in parentheses', () => {
  it('says a cause the message ends with in parentheses once', () => {
    const error = new DriverError(
      DriverErrorCode.unreachable,
      'ssh a@h:22: connect: cannot reach the host (connect ETIMEDOUT)',
      'connect ETIMEDOUT',
    );
    expect(withVendorMessage(error)).toBe('ssh a@h:22: connect: cannot reach the host (connect ETIMEDOUT)');
  });
});
