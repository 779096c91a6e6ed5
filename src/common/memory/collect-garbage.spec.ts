import { collectGarbage } from './collect-garbage.js';

describe('collectGarbage', () => {
  it('frees unreachable memory at once', () => {
    let garbage: number[][] | undefined = Array.from({ length: 200 }, () =>
      new Array<number>(50_000).fill(1.5),
    );
    const held = process.memoryUsage().heapUsed;
    expect(garbage.length).toBe(200);
    garbage = undefined;
    collectGarbage();
    // About 80 MB of doubles became unreachable; a full collection gives most of it back.
    expect(held - process.memoryUsage().heapUsed).toBeGreaterThan(40_000_000);
    expect(garbage).toBeUndefined();
  });
});
