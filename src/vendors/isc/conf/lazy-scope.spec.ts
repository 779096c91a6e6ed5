import type { ScopeContent } from '../../scope-content.js';
import { lazyScope } from './lazy-scope.js';

const FULL: ScopeContent = {
  subnet: '10.1.1.0/24',
  enabled: true,
  pools: [{ start: '10.1.1.10', end: '10.1.1.99' }],
  exclusions: [{ start: '10.1.1.1', end: '10.1.1.9' }],
  reservations: [],
  options: [{ code: 3, name: 'routers', value: '10.1.1.1' }],
};

function counted(): { content: ScopeContent; maps: () => number } {
  let maps = 0;
  const content = lazyScope({ subnet: FULL.subnet, pools: FULL.pools }, () => {
    maps += 1;
    return { ...FULL, pools: [{ start: '10.1.1.10', end: '10.1.1.99' }] };
  });
  return { content, maps: () => maps };
}

describe('lazyScope: a scope mapped past its subnet and pools only when read', () => {
  it('maps nothing for the subnet and pools, and everything once for any other part', () => {
    const { content, maps } = counted();
    expect([content.subnet, content.pools, maps()]).toEqual([FULL.subnet, FULL.pools, 0]);
    expect(content.options).toEqual(FULL.options);
    expect(content.exclusions).toEqual(FULL.exclusions);
    expect(maps()).toBe(1);
  });

  it('spreads, serializes and compares as the mapped scope, parts the mapping leaves out absent', () => {
    expect({ ...counted().content }).toStrictEqual(FULL);
    expect(JSON.parse(JSON.stringify(counted().content))).toStrictEqual(FULL);
    const { content } = counted();
    expect('leaseTime' in content).toBe(true); // not yet known
    expect(content.leaseTime).toBeUndefined();
    expect('leaseTime' in content).toBe(false);
    expect(content).toStrictEqual(FULL);
  });

  it('takes a part written before it was read', () => {
    const { content } = counted();
    content.enabled = false;
    expect(content).toStrictEqual({ ...FULL, enabled: false });
  });

  it('maps each scope from its own declaration; a mapping that fails is tried again on the next read', () => {
    let fail = true;
    const failing = lazyScope({ subnet: FULL.subnet, pools: FULL.pools }, () => {
      if (fail) throw new Error('unmappable');
      return FULL;
    });
    const other = counted();
    expect(() => failing.options).toThrow('unmappable');
    expect(() => failing.options).toThrow('unmappable');
    expect(other.content.options).toEqual(FULL.options);
    fail = false;
    expect(failing.options).toEqual(FULL.options);
    expect(failing).toStrictEqual(FULL);
  });
});
