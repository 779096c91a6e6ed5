import type { CopyLeg, ServerTarget } from '../driver.js';
import { SCOPE_PARTS, type ScopeContent } from '../scope-content.js';
import { copyRefusal } from './windows-write-plan.js';
import { WindowsDriver } from './windows.driver.js';

const server = (id: string, name: string): ServerTarget => ({
  id,
  name,
  vendor: 'windows',
  address: `${name}.example`,
  connection: {},
  secrets: {},
});
const leg: CopyLeg = {
  relationshipId: 'rel-id',
  source: server('id-a', 'dhcp-a'),
  destination: server('id-b', 'dhcp-b'),
};
const scope = (relationship?: string, overrides: Partial<ScopeContent> = {}): ScopeContent => ({
  subnet: '10.1.2.0/24',
  name: 'office',
  enabled: true,
  pools: [{ start: '10.1.2.10', end: '10.1.2.200' }],
  exclusions: [],
  reservations: [],
  options: [],
  ...(relationship ? { vendorExtras: { failoverRelationship: relationship } } : {}),
  ...overrides,
});
/** The two calls every refusal of a copy outside the relationship ends with. */
const repair =
  "take it out, keeping dhcp-a's copy (DELETE /api/v1/relationships/rel-id/scopes/10.1.2.0?serverId=id-b";
const addAgain =
  'then add it again from dhcp-a (POST /api/v1/relationships/rel-id/scopes with sourceServerId id-a).';

describe('copyRefusal', () => {
  it("writes the partner's copy in the same relationship (its name compared as Windows does, without case)", () => {
    expect(copyRefusal(scope('FO-1'), scope('fo-1'), SCOPE_PARTS, leg)).toBeUndefined();
  });

  it('refuses a scope the partner lacks: cmdlets would create it outside the relationship', () => {
    const reason = copyRefusal(undefined, scope('fo-1'), SCOPE_PARTS, leg);
    expect(reason).toMatch(
      /^dhcp-b has no scope 10\.1\.2\.0, which dhcp-a holds in failover relationship "fo-1"/,
    );
    expect(reason).toContain(`${repair}), ${addAgain}`);
  });

  it("refuses a partner's copy in no relationship there, whatever it holds, naming the calls that repair it", () => {
    for (const before of [scope(), scope(undefined, { name: 'by hand' })]) {
      expect(copyRefusal(before, scope('fo-1'), SCOPE_PARTS, leg)).toBe(
        "dhcp-b's scope 10.1.2.0 is in no failover relationship there, while dhcp-a holds it in failover " +
          'relationship "fo-1"; cmdlets would write a copy outside the relationship, so nothing was written. ' +
          'Windows puts a copy in the relationship only by adding the scope to it, and only while the partner has ' +
          `no scope 10.1.2.0: ${repair}: Windows deletes dhcp-b's), ${addAgain}`,
      );
    }
  });

  it("refuses a partner's copy in another relationship, which it leaves to be taken out of that one first", () => {
    const reason = copyRefusal(scope('fo-other'), scope('fo-1'), ['options'], leg);
    expect(reason).toMatch(
      /^dhcp-b's scope 10\.1\.2\.0 is in failover relationship "fo-other" there, not "fo-1", while dhcp-a holds it/,
    );
    expect(reason).toContain(
      `take it out of "fo-other" first (it is not this relationship's to change), then ${repair}`,
    );
  });

  it('asks nothing of relationships for a source scope in none (another vendor); the write checks still apply', () => {
    expect(copyRefusal(scope(), scope(), SCOPE_PARTS, leg)).toBeUndefined();
    expect(copyRefusal(undefined, scope(), SCOPE_PARTS, leg)).toBeUndefined();
    const source = scope(undefined, { exclusions: [{ start: '10.1.2.220', end: '10.1.2.230' }] });
    expect(copyRefusal(scope(), source, ['exclusions'], leg)).toMatch(
      /^scope 10\.1\.2\.0: exclusion 10\.1\.2\.220-10\.1\.2\.230 is outside the scope's address range/,
    );
  });

  it("a copy in the relationship still meets the write's own checks", () => {
    const source = scope('fo-1', { exclusions: [{ start: '10.1.2.220', end: '10.1.2.230' }] });
    expect(copyRefusal(scope('fo-1'), source, ['exclusions'], leg)).toMatch(
      /is outside the scope's address range/,
    );
  });
});

describe('WindowsDriver.refuseCopy', () => {
  it("asks about the destination's scope of the source's network, from the read it is given", () => {
    const driver = new WindowsDriver();
    const source = scope('fo-1');
    expect(
      driver.refuseCopy(new Map([['10.1.2.0', scope('fo-1')]]), source, SCOPE_PARTS, leg),
    ).toBeUndefined();
    expect(driver.refuseCopy(new Map([['10.1.2.0', scope()]]), source, SCOPE_PARTS, leg)).toMatch(
      /is in no failover relationship there/,
    );
    expect(driver.refuseCopy(new Map([['10.1.3.0', scope('fo-1')]]), source, SCOPE_PARTS, leg)).toMatch(
      /^dhcp-b has no scope 10\.1\.2\.0/,
    );
  });
});
