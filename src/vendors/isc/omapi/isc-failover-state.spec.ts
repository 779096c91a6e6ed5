import { DriverError, DriverErrorCode } from '../../driver-error.js';
import { failoverStateFromValues, failoverStateName, ISC_FAILOVER_STATES } from './isc-failover-state.js';
import { OmapiResult, statusError } from './omapi-errors.js';
import { omapiString, omapiUint32 } from './omapi-wire.js';

describe('ISC failover state over OMAPI', () => {
  it("names dhcpd's failover states as its enum numbers them", () => {
    expect(ISC_FAILOVER_STATES).toEqual({
      0: 'unknown-state',
      1: 'startup',
      2: 'normal',
      3: 'communications-interrupted',
      4: 'partner-down',
      5: 'potential-conflict',
      6: 'recover',
      7: 'paused',
      8: 'shutdown',
      9: 'recover-done',
      10: 'resolution-interrupted',
      11: 'conflict-done',
      254: 'recover-wait',
    });
    expect(failoverStateName(12)).toBe('unknown-state');
    expect(failoverStateName(undefined)).toBe('unknown-state');
  });

  it('maps the values of a failover-state object (as dhcpd 4.4.3 sent them) to a FailoverState', () => {
    const values = new Map<string, Buffer>([
      ['name', omapiString('fo')],
      ['partner-address', Buffer.from('10ecad8c3f560000', 'hex')],
      ['partner-port', omapiUint32(647)],
      ['local-address', Buffer.from('60ebad8c3f560000', 'hex')],
      ['local-port', omapiUint32(647)],
      ['max-outstanding-updates', omapiUint32(10)],
      ['mclt', omapiUint32(60)],
      ['load-balance-max-secs', omapiUint32(3)],
      ['load-balance-hba', Buffer.alloc(32, 0xff)],
      ['partner-state', omapiUint32(6)],
      ['local-state', omapiUint32(3)],
      ['partner-stos', omapiUint32(1_700_000_000)],
      ['local-stos', omapiUint32(1_700_000_100)],
      ['hierarchy', omapiUint32(1)],
      ['last-packet-sent', omapiUint32(0)],
      ['last-timestamp-received', omapiUint32(1_700_000_200)],
      ['skew', omapiUint32(0)],
      ['max-response-delay', omapiUint32(30)],
      ['cur-unacked-updates', omapiUint32(2)],
    ]);
    const state = failoverStateFromValues(values);
    expect(state).toMatchObject({
      state: 'communications-interrupted',
      partnerState: 'recover',
      lastContact: '2023-11-14T22:16:40.000Z',
      detail: {
        source: 'omapi',
        peerName: 'fo',
        role: 'secondary',
        localState: 3,
        partnerState: 6,
        localStateSince: '2023-11-14T22:15:00.000Z',
        partnerStateSince: '2023-11-14T22:13:20.000Z',
        mclt: 60,
        loadBalanceMaxSeconds: 3,
        maxOutstandingUpdates: 10,
        maxResponseDelay: 30,
        unackedUpdates: 2,
        localPort: 647,
        partnerPort: 647,
      },
    });
    // Zero times are "never", not 1970; the pointer bytes dhcpd sends as addresses stay raw.
    expect(state.detail).not.toHaveProperty('lastPacketSent');
    expect(state.detail).not.toHaveProperty('localAddress');
    expect((state.detail['raw'] as Record<string, string>)['local-address']).toBe('60ebad8c3f560000');
  });

  it('reports what it cannot read as unknown rather than guessing', () => {
    const state = failoverStateFromValues(new Map([['local-state', Buffer.from([2])]]));
    expect(state.state).toBe('unknown-state');
    expect(state).not.toHaveProperty('partnerState');
  });

  it("turns dhcpd's status results into DriverErrors a caller can act on", () => {
    const missing = statusError(
      'open failover-state "x"',
      OmapiResult.notFound,
      'no object matches specification',
    );
    expect(missing).toBeInstanceOf(DriverError);
    expect(missing.code).toBe(DriverErrorCode.notFound);
    expect(missing.message).toBe('open failover-state "x": no such object (ISC_R_NOTFOUND, result 23)');
    expect(missing.vendorMessage).toBe('no object matches specification');
    expect(statusError('open', OmapiResult.dhcpInvalidKey, undefined)).toMatchObject({
      code: DriverErrorCode.auth,
      result: 393227,
    });
    expect(statusError('open', OmapiResult.dhcpNoKeys, 'No authenticator on message').code).toBe(
      DriverErrorCode.auth,
    );
    expect(statusError('open', 12345, undefined).code).toBe(DriverErrorCode.unsupported);
  });
});
