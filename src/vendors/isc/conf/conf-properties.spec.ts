import fc from 'fast-check';
import type { ScopeContent } from '../../scope-content.js';
import { loadConf } from './include-resolver.js';
import { ipToNumber, numberToIp } from './ipv4.js';
import { applyScope, readScopes } from './isc-subnet.mapper.js';
import { parse } from './parser.js';
import { print } from './printer.js';
import { render, type Layout, type NodeSpec } from './conf-edit.js';
import { nodeTokens } from './syntax-tree.js';

const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/).filter((text) => text !== 'switch');
const value = fc.oneof(
  word,
  fc.ipV4(),
  fc.string({ maxLength: 12 }).map((text) => JSON.stringify(text).replace(/\\u[0-9a-f]{4}/g, '')),
  fc.constantFrom('1:2:3', ',', '=', '(', ')', '!=', '~~'),
);
const statement = fc
  .array(value, { minLength: 0, maxLength: 5 })
  .chain((rest) => word.map((first) => [first, ...rest].join(' ')));
const spec: fc.Arbitrary<NodeSpec> = fc.letrec<{ node: NodeSpec }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    statement,
    // A header never ends in `=`: `= {` opens a braced value (an option's record type), not a block.
    fc.record({
      header: statement.filter((text) => !text.endsWith('=')),
      body: fc.array(tie('node'), { maxLength: 4 }),
    }),
  ),
})).node;
const layout: fc.Arbitrary<Layout> = fc.record({
  newline: fc.constantFrom('\n', '\r\n'),
  indent: fc.constant(''),
  unit: fc.constantFrom('  ', '\t', '    '),
});

/** Whitespace or a comment (ending in a newline) to put between tokens. */
const trivia = fc.oneof(
  fc.constantFrom(' ', '\t', '\n', '\r\n', '  \n\n'),
  fc.string({ maxLength: 10 }).map((text) => ` #${text.replace(/[\r\n]/g, '')}\n`),
);

describe('dhcpd.conf properties', () => {
  it('random trees print, parse and print to the same text', () => {
    fc.assert(
      fc.property(fc.array(spec, { maxLength: 6 }), layout, (specs, style) => {
        const text = specs.map((node) => render(node, '', style) + style.newline).join('');
        const printed = print(parse(text));
        expect(printed).toBe(text);
        expect(print(parse(printed))).toBe(printed);
      }),
    );
  });

  it('whitespace and comments inserted between any tokens round-trip byte for byte', () => {
    fc.assert(
      fc.property(
        fc.array(spec, { minLength: 1, maxLength: 4 }),
        fc.infiniteStream(trivia),
        fc.infiniteStream(fc.boolean()),
        (specs, gaps, insertHere) => {
          const text = specs
            .map((node) => render(node, '', { newline: '\n', indent: '', unit: '  ' }))
            .join('\n');
          expect(print(parse(text))).toBe(text);
          // Put extra trivia in front of random tokens (never inside one), then check the text survives a round trip.
          const file = parse(text);
          for (const token of [...file.body.flatMap(nodeTokens), file.eof]) {
            if (insertHere.next().value) token.before = gaps.next().value + token.before;
          }
          const noisy = print(file);
          expect(print(parse(noisy))).toBe(noisy);
        },
      ),
    );
  });

  it('a subnet written from the model reads back as the content written', async () => {
    const pool = fc
      .tuple(fc.integer({ min: 1, max: 254 }), fc.integer({ min: 0, max: 40 }))
      .map(([start, length]) => [start, Math.min(254, start + length)] as const);
    const scope = fc.record({
      pools: fc.array(pool, { maxLength: 4 }),
      hosts: fc.uniqueArray(fc.integer({ min: 1, max: 254 }), { maxLength: 5 }),
      routers: fc.option(fc.integer({ min: 1, max: 254 }), { nil: undefined }),
      domain: fc.option(fc.stringMatching(/^[a-z]{1,8}\.example$/), { nil: undefined }),
      leaseTime: fc.option(fc.integer({ min: 60, max: 86400 }), { nil: undefined }),
      peered: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(scope, async (generated) => {
        // Pools as the model holds them after a read: sorted, disjoint, with exclusions their complement.
        const covered = new Set<number>();
        for (const [start, end] of generated.pools)
          for (let host = start; host <= end; host += 1) covered.add(host);
        const ranges: Array<[number, number]> = [];
        for (let host = 1; host <= 254; host += 1) {
          if (!covered.has(host)) continue;
          const last = ranges[ranges.length - 1];
          if (last && last[1] === host - 1) last[1] = host;
          else ranges.push([host, host]);
        }
        const exclusions: Array<[number, number]> = [];
        let next = 1;
        for (const [start, end] of ranges) {
          if (start > next) exclusions.push([next, start - 1]);
          next = end + 1;
        }
        if (next <= 254) exclusions.push([next, 254]);
        const ip = (host: number): string => numberToIp(ipToNumber('10.7.7.0') + host);
        const content: ScopeContent = {
          subnet: '10.7.7.0/24',
          enabled: true,
          ...(generated.leaseTime !== undefined ? { leaseTime: generated.leaseTime } : {}),
          pools: ranges.map(([start, end]) => ({
            start: ip(start),
            end: ip(end),
            ...(generated.peered ? { failoverPeer: 'fo' } : {}),
          })),
          exclusions: exclusions.map(([start, end]) => ({ start: ip(start), end: ip(end) })),
          reservations: generated.hosts.map((host) => ({
            address: ip(host),
            hardwareAddress: `02:00:00:00:00:${host.toString(16).padStart(2, '0')}`,
            name: `h${host}`,
            options: [],
          })),
          options: [
            ...(generated.routers !== undefined
              ? [{ code: 3, name: 'routers', value: ip(generated.routers) }]
              : []),
            ...(generated.domain !== undefined
              ? [{ code: 15, name: 'domain-name', value: generated.domain }]
              : []),
          ],
        };
        const set = await loadConf('/d.conf', () =>
          Promise.resolve('failover peer "fo" { primary; address 1.1.1.1; peer address 1.1.1.2; }\n'),
        );
        applyScope(set, content, ['options', 'reservations', 'pools', 'exclusions']);
        const read = readScopes(set).get('10.7.7.0')!;
        expect({
          ...read,
          reservations: [...read.reservations].sort(
            (a, b) => ipToNumber(a.address ?? '') - ipToNumber(b.address ?? ''),
          ),
        }).toEqual({
          ...content,
          reservations: [...content.reservations].sort(
            (a, b) => ipToNumber(a.address ?? '') - ipToNumber(b.address ?? ''),
          ),
        });
        // Writing the same content again changes nothing.
        const text = print(set.files.get('/d.conf')!);
        applyScope(set, read, ['options', 'reservations', 'pools', 'exclusions']);
        expect(print(set.files.get('/d.conf')!)).toBe(text);
      }),
      { numRuns: 60 },
    );
  });
});
