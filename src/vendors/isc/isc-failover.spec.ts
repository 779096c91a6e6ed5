import type { FailoverSpec, ServerTarget } from '../driver.js';
import type { IscFailoverPeer } from './conf/isc-peer.mapper.js';
import { validateFailoverPeer } from './conf/isc-peer.mapper.js';
import { modeOfPeer, peerForSide } from './isc-failover.js';

const target = (name: string, address: string): ServerTarget => ({
  id: name,
  name,
  vendor: 'isc',
  address,
  connection: {},
  secrets: {},
});

function spec(
  mode: FailoverSpec['mode'],
  settings: Record<string, unknown> = {},
  sides: Array<Record<string, unknown>> = [{}, {}],
): FailoverSpec {
  return {
    name: 'rel',
    mode,
    settings,
    sides: [
      { target: target('a', '192.0.2.1'), role: 'primary', peerName: 'fo', settings: sides[0] },
      { target: target('b', '192.0.2.2'), role: 'secondary', peerName: 'fo', settings: sides[1] },
    ],
  };
}

const peer = (fields: Partial<IscFailoverPeer>): IscFailoverPeer => ({
  name: 'fo',
  role: 'primary',
  address: '192.0.2.1',
  port: 647,
  peerAddress: '192.0.2.2',
  peerPort: 647,
  maxResponseDelay: 60,
  maxUnackedUpdates: 10,
  ...fields,
});

describe('peerForSide', () => {
  it('mirrors addresses and ports and puts MCLT and split on the primary only, with the defaults', () => {
    const s = spec('load-balancing', {}, [{}, { address: '10.0.0.2', port: 847 }]);
    const primary = peerForSide(s, 0);
    const secondary = peerForSide(s, 1);
    expect(primary).toEqual({
      name: 'fo',
      role: 'primary',
      address: '192.0.2.1',
      port: 647,
      peerAddress: '10.0.0.2',
      peerPort: 847,
      maxResponseDelay: 60,
      maxUnackedUpdates: 10,
      mclt: 3600,
      split: 128,
      loadBalanceMaxSeconds: 3,
    });
    expect(secondary).toEqual({
      name: 'fo',
      role: 'secondary',
      address: '10.0.0.2',
      port: 847,
      peerAddress: '192.0.2.1',
      peerPort: 647,
      maxResponseDelay: 60,
      maxUnackedUpdates: 10,
      loadBalanceMaxSeconds: 3,
    });
    expect(validateFailoverPeer(primary)).toEqual([]);
    expect(validateFailoverPeer(secondary)).toEqual([]);
  });

  it('hot-standby is split 256; given settings win', () => {
    expect(peerForSide(spec('hot-standby'), 0).split).toBe(256);
    expect(peerForSide(spec('load-balancing', { split: 200, mclt: 60 }), 0)).toMatchObject({
      split: 200,
      mclt: 60,
    });
    expect(peerForSide(spec('load-balancing', { split: 200, mclt: 60 }), 1)).not.toHaveProperty('mclt');
  });
});

describe('modeOfPeer', () => {
  it.each([
    [{ split: 128 }, 'load-balancing'],
    [{ split: 1 }, 'load-balancing'],
    [{ split: 256 }, 'hot-standby'],
    [{ split: 0 }, 'hot-standby'],
    [{ role: 'secondary' as const }, 'load-balancing'],
    [{ extras: [`hba ${Array(32).fill('ff').join(':')};`] }, 'hot-standby'],
    [{ extras: [`hba ${[...Array(16).fill('ff'), ...Array(16).fill('00')].join(':')};`] }, 'load-balancing'],
  ])('%j → %s', (fields, mode) => {
    expect(modeOfPeer(peer(fields))).toBe(mode);
  });
});

describe('peerForSide on a PATCH that withdraws settings (null)', () => {
  it('writes the defaults instead of the values the declaration has', () => {
    const current = peer({
      mclt: 1800,
      split: 200,
      maxResponseDelay: 30,
      maxUnackedUpdates: 5,
      loadBalanceMaxSeconds: 7,
    });
    const withdrawn = spec('load-balancing', {
      mclt: null,
      split: null,
      maxResponseDelay: null,
      maxUnackedUpdates: null,
      loadBalanceMaxSeconds: null,
    });
    expect(peerForSide(withdrawn, 0, current)).toMatchObject({
      mclt: 3600,
      split: 128,
      maxResponseDelay: 60,
      maxUnackedUpdates: 10,
      loadBalanceMaxSeconds: 3,
    });
    // Not sent at all: the declaration's values stay.
    expect(peerForSide(spec('load-balancing'), 0, current)).toMatchObject({
      mclt: 1800,
      split: 200,
      maxResponseDelay: 30,
      maxUnackedUpdates: 5,
      loadBalanceMaxSeconds: 7,
    });
  });

  it('drops an hba bitmap when the split is withdrawn', () => {
    const current = peer({ extras: ['hba ff:ff:ff:ff:ff:ff:ff:ff:00:00:00:00:00:00:00:00;'] });
    const result = peerForSide(spec('load-balancing', { split: null }), 0, current);
    expect(result.split).toBe(128);
    expect(result.extras ?? []).toEqual([]);
  });
});
