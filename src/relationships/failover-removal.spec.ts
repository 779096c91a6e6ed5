import { ProblemException } from '../common/problem/problem.exception.js';
import type { FailoverOperations, FailoverRemoval, ServerTarget } from '../vendors/driver.js';
import { assertRemovable, movedReferences, replacementsOf } from './failover-removal.js';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const members = [{ serverId: A }, { serverId: B }];

const target = (id: string, name: string): ServerTarget => ({
  id,
  name,
  vendor: 'isc',
  address: '192.0.2.1',
  connection: {},
  secrets: {},
});
const targets = [target(A, 'isc-a'), target(B, 'isc-b')];

async function problemOf(run: () => unknown): Promise<ProblemException> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ProblemException) return error;
    throw error;
  }
  throw new Error('no problem thrown');
}

/** Failover operations whose plan for each server is given; every call is recorded. */
function planning(plans: Record<string, FailoverRemoval>, calls: string[][] = []): FailoverOperations {
  return {
    applyFailover: () => Promise.reject(new Error('not written')),
    removeFailover: () => Promise.reject(new Error('not written')),
    readFailoverState: () => Promise.reject(new Error('not read')),
    discoverFailover: () => Promise.resolve([]),
    planFailoverRemoval: (server, peer, replacement) => {
      calls.push([server.id, peer, replacement ?? '']);
      return Promise.resolve(plans[server.id]);
    },
  };
}

const removed = (name: string): FailoverRemoval => ({
  name,
  outcome: 'references-removed',
  pools: 2,
  scopes: [],
});

describe('a relationship removal by the delete-peer rule', () => {
  it('reads replacements as server id → peer; a peer name may hold colons', () => {
    expect(replacementsOf(undefined, members, true)).toEqual(new Map());
    expect(replacementsOf([`${A}:dc:east`, `${B}:x`], members, true)).toEqual(
      new Map([
        [A, 'dc:east'],
        [B, 'x'],
      ]),
    );
  });

  it.each([
    [[`${A}`], 'is not <serverId>:<peer name>'],
    [[`${A}:`], 'is not <serverId>:<peer name>'],
    [['33333333-3333-4333-8333-333333333333:x'], 'is not in the relationship'],
    [[`${A}:x`, `${A}:y`], 'named twice'],
  ])('refuses %j with a 400 on query.replacement saying %s', async (values, message) => {
    const problem = await problemOf(() => replacementsOf(values, members, true));
    expect(problem.status).toBe(400);
    expect(problem.extensions['errors']).toEqual([
      { field: 'query.replacement', message: expect.stringContaining(message) },
    ]);
  });

  it('refuses a replacement for a vendor without the choice', async () => {
    const problem = await problemOf(() => replacementsOf([`${A}:x`], members, false));
    expect(problem.detail).toContain('only an ISC relationship takes replacement');
  });

  it('asks both servers, with their own replacement, and is quiet when neither needs a choice', async () => {
    const calls: string[][] = [];
    const plans = { [A]: removed('rel'), [B]: removed('rel') };
    await assertRemovable(planning(plans, calls), targets, ['rel', 'rel'], new Map([[B, 'p2']]), 'r');
    expect(calls).toEqual([
      [A, 'rel', ''],
      [B, 'rel', 'p2'],
    ]);
  });

  it('a 409 names every server that needs a choice, with its choices', async () => {
    const needs: FailoverRemoval = {
      name: 'rel',
      outcome: 'choice-needed',
      choices: ['p1', 'p2'],
      pools: 3,
      scopes: ['192.0.2.0/24'],
    };
    const plans = { [A]: removed('rel'), [B]: needs };
    const problem = await problemOf(() =>
      assertRemovable(planning(plans), targets, ['rel', 'rel'], new Map(), 'r'),
    );
    expect(problem.status).toBe(409);
    expect(problem.extensions).toEqual({
      replacements: [
        {
          serverId: B,
          serverName: 'isc-b',
          peer: 'rel',
          choices: ['p1', 'p2'],
          pools: 3,
          scopes: ['192.0.2.0/24'],
        },
      ],
    });
    expect(problem.detail).toContain(`on isc-b, 3 pool(s) (192.0.2.0/24) refer to failover peer "rel"`);
    expect(problem.detail).toContain(`?replacement=${B}:<peer> (one of "p1", "p2")`);
    expect(problem.detail).not.toContain('isc-a');
    expect(problem.detail).toMatch(/Nothing was changed\.$/);
  });

  it("a server's plan that fails is that server's problem, nothing changed", async () => {
    const failover = planning({});
    failover.planFailoverRemoval = (server) =>
      Promise.reject(
        ProblemException.validation([{ field: 'query.replacement', message: `not on ${server.name}` }]),
      );
    const problem = await problemOf(() => assertRemovable(failover, targets, ['rel', 'rel'], new Map(), 'r'));
    expect(problem.status).toBe(400);
    expect(problem.detail).toBe('isc-a: query.replacement: not on isc-a. Nothing was changed.');
    expect(problem.extensions).toMatchObject({ failedServerId: A, restored: [] });
  });

  it('says where references moved', () => {
    const moved: FailoverRemoval = {
      name: 'rel',
      outcome: 'references-moved',
      replacement: 'p1',
      pools: 2,
      scopes: [],
    };
    expect(movedReferences(targets, [removed('rel'), moved])).toBe(
      ' On isc-b, 2 pool(s) that named "rel" refer to "p1" now.',
    );
    expect(movedReferences(targets, [undefined, removed('rel')])).toBe('');
  });
});
