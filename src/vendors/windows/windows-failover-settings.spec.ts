import type { FailoverSpec, ServerTarget } from '../driver.js';
import { failoverParameters } from './windows-failover-settings.js';

const target = (name: string): ServerTarget => ({
  id: name,
  name,
  vendor: 'windows',
  address: `192.0.2.${name.length}`,
  connection: {},
  secrets: {},
});

const spec = (
  mode: FailoverSpec['mode'],
  settings: Record<string, unknown>,
  roles: [string, string],
): FailoverSpec => ({
  name: 'rel',
  mode,
  settings,
  sides: [
    { target: target('a'), role: roles[0], peerName: 'rel', settings: {} },
    { target: target('bb'), role: roles[1], peerName: 'rel', settings: {} },
  ],
});

describe('failoverParameters', () => {
  it("gives each side of a load-balancing relationship its own share, Microsoft's defaults where unset", () => {
    const lb = spec('load-balancing', { loadBalancePercent: 70 }, ['primary', 'secondary']);
    expect(failoverParameters(lb, 0, false)).toEqual([
      '-MaxClientLeadTime ([TimeSpan]::FromSeconds(3600))',
      '-LoadBalancePercent 70',
      '-AutoStateTransition $false',
      '-Force',
    ]);
    expect(failoverParameters(lb, 1, true)).toContain('-LoadBalancePercent 30');
    expect(failoverParameters(spec('load-balancing', {}, ['secondary', 'primary']), 0, false)).toContain(
      '-LoadBalancePercent 50',
    );
  });

  it('sets the hot-standby role on creation only, the reserve, the switchover interval and the secret as a literal', () => {
    const hs = spec(
      'hot-standby',
      { reservePercent: 10, stateSwitchInterval: 600, maxClientLeadTime: 1800, sharedSecret: "it's" },
      ['standby', 'primary'],
    );
    expect(failoverParameters(hs, 0, false)).toEqual([
      '-MaxClientLeadTime ([TimeSpan]::FromSeconds(1800))',
      '-ReservePercent 10',
      "-ServerRole 'Standby'",
      '-AutoStateTransition $true -StateSwitchInterval ([TimeSpan]::FromSeconds(600))',
      "-SharedSecret 'it''s'",
      '-Force',
    ]);
    expect(failoverParameters(hs, 1, false)).toContain("-ServerRole 'Active'");
    expect(failoverParameters(hs, 1, true).join(' ')).not.toContain('-ServerRole');
  });

  it('turns message authentication off on a Set when the secret is withdrawn, and never on a create', () => {
    const withdrawn = spec('load-balancing', { sharedSecret: null }, ['primary', 'secondary']);
    expect(failoverParameters(withdrawn, 0, true)).toContain('-SharedSecret $null');
    expect(failoverParameters(withdrawn, 0, false).join(' ')).not.toContain('-SharedSecret');
  });
});
