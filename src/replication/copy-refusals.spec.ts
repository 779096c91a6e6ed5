import type { CopyLeg, DhcpDriver, ServerTarget } from '../vendors/driver.js';
import { SCOPE_PARTS, type ScopeContent } from '../vendors/scope-content.js';
import { copyRefusals } from './copy-refusals.js';

const scope = (network: string): ScopeContent => ({
  subnet: `${network}/24`,
  enabled: true,
  pools: [],
  exclusions: [],
  reservations: [],
  options: [],
});

const target = (id: string): ServerTarget => ({
  id,
  name: id,
  vendor: 'isc',
  address: '127.0.0.1',
  connection: {},
  secrets: {},
});
const leg: CopyLeg = { relationshipId: 'r', source: target('a'), destination: target('b') };

/**
 * A driver that refuses a scope on its own (`refused`) or unless the scope it `needs` is written alongside, and
 * records what each scope was asked with.
 */
function driver(refused: string[], needs: Record<string, string>) {
  const asked: Array<[string, string[]]> = [];
  const refuseCopy: NonNullable<DhcpDriver['refuseCopy']> = (_d, source, _p, _l, alongside) => {
    const network = source.subnet.replace('/24', '');
    asked.push([network, [...(alongside?.keys() ?? [])]]);
    if (refused.includes(network)) return `${network} refused`;
    const needed = needs[network];
    return needed && !alongside?.has(needed) ? `${network} needs ${needed}` : undefined;
  };
  return { driver: { refuseCopy }, asked };
}

const scopes = (...networks: string[]): Map<string, ScopeContent> =>
  new Map(networks.map((network) => [network, scope(network)]));

describe('copyRefusals', () => {
  it('asks each scope once, with those the write takes alongside, when none is refused', () => {
    const { driver: d, asked } = driver([], { '10.0.2.0': '10.0.1.0' });
    const all = scopes('10.0.1.0', '10.0.2.0', '10.0.3.0');
    const refusals = copyRefusals(d, new Map(), all, (network) => network !== '10.0.3.0', SCOPE_PARTS, leg);
    expect(refusals).toEqual(new Map());
    expect(asked).toEqual([
      ['10.0.1.0', ['10.0.1.0', '10.0.2.0']],
      ['10.0.2.0', ['10.0.1.0', '10.0.2.0']],
      ['10.0.3.0', ['10.0.1.0', '10.0.2.0']],
    ]);
  });

  it('asks again without a refused scope, until none more is refused, whatever the order', () => {
    // 10.0.3.0 is refused; 10.0.1.0 needed it, 10.0.2.0 needed 10.0.1.0: all three fail, 10.0.4.0 is written.
    for (const order of [
      ['10.0.1.0', '10.0.2.0', '10.0.3.0', '10.0.4.0'],
      ['10.0.4.0', '10.0.3.0', '10.0.2.0', '10.0.1.0'],
    ]) {
      const { driver: d } = driver(['10.0.3.0'], { '10.0.1.0': '10.0.3.0', '10.0.2.0': '10.0.1.0' });
      const refusals = copyRefusals(d, new Map(), scopes(...order), () => true, SCOPE_PARTS, leg);
      expect(Object.fromEntries(refusals)).toEqual({
        '10.0.3.0': '10.0.3.0 refused',
        '10.0.1.0': '10.0.1.0 needs 10.0.3.0',
        '10.0.2.0': '10.0.2.0 needs 10.0.1.0',
      });
    }
  });

  it('a scope the write does not take counts on nothing, refused or not', () => {
    const { driver: d } = driver(['10.0.3.0'], { '10.0.1.0': '10.0.2.0' });
    const refusals = copyRefusals(
      d,
      new Map(),
      scopes('10.0.1.0', '10.0.2.0', '10.0.3.0'),
      (network) => network !== '10.0.2.0',
      SCOPE_PARTS,
      leg,
    );
    expect(Object.fromEntries(refusals)).toEqual({
      '10.0.1.0': '10.0.1.0 needs 10.0.2.0',
      '10.0.3.0': '10.0.3.0 refused',
    });
  });

  it('asks nothing of a driver without refusals', () => {
    expect(copyRefusals({}, new Map(), scopes('10.0.1.0'), () => true, SCOPE_PARTS, leg)).toEqual(new Map());
  });
});
