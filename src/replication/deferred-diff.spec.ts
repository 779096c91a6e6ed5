import type { DriverRegistry } from '../vendors/driver-registry.js';
import type { DhcpDriver } from '../vendors/driver.js';
import type { ScopeContent } from '../vendors/scope-content.js';
import { deferredDiff, makeDeferredDiffs } from './deferred-diff.js';
import { diffScope } from './scope-diff.js';

const scope = (routers: string): ScopeContent => ({
  subnet: '10.1.1.0/24',
  enabled: true,
  pools: [],
  exclusions: [],
  reservations: [],
  options: [{ code: 3, name: 'routers', value: routers }],
});

/** A registry whose ISC driver reads evidence `{ before, after }` as two routers values, and has no other vendor. */
const drivers = {
  get: (vendor: string): Partial<DhcpDriver> =>
    vendor === 'isc'
      ? {
          scopesFromEvidence: (evidence: unknown) => {
            const { before, after } = evidence as { before?: unknown; after?: unknown };
            if (typeof before !== 'string' || typeof after !== 'string') throw new Error('no declarations');
            return { before: scope(before), after: scope(after) };
          },
        }
      : {},
} as unknown as DriverRegistry;

describe('makeDeferredDiffs', () => {
  it('makes deferred diffs in the model, says which evidence it could not read, and leaves the rest alone', async () => {
    const diffs = {
      'r/10.1.1.0': JSON.parse(
        JSON.stringify(deferredDiff('isc', ['options'], { before: '10.1.1.254', after: '10.1.1.1' })),
      ) as unknown,
      'r/10.1.2.0': deferredDiff('isc', ['options'], { before: 1 }),
      'r/10.1.3.0': deferredDiff('kea', ['options'], {}),
      'r/10.1.4.0': { created: false, unchanged: true },
    };
    const { made, failed } = await makeDeferredDiffs(diffs, drivers);
    expect(made).toEqual({
      'r/10.1.1.0': diffScope(scope('10.1.1.254'), scope('10.1.1.1'), ['options']),
    });
    expect(made['r/10.1.1.0']).toMatchObject({ unchanged: false, options: { changed: [{ key: '3' }] } });
    expect(failed).toEqual({
      'r/10.1.2.0': {
        created: false,
        unchanged: false,
        error: 'the diff could not be made from the saved declarations: no declarations',
      },
      'r/10.1.3.0': {
        created: false,
        unchanged: false,
        error: 'the diff could not be made from the saved declarations: the kea driver has no such evidence',
      },
    });
  });
});
