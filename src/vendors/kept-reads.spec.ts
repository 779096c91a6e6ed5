import { jest } from '@jest/globals';
import type { ServerTarget } from './driver.js';
import { KEPT_READ_MS, KeptReads } from './kept-reads.js';

const target = (connection: Record<string, unknown> = { url: 'http://127.0.0.1:8000/' }): ServerTarget => ({
  id: 's1',
  name: 's1',
  vendor: 'kea',
  address: '127.0.0.1',
  connection,
  secrets: {},
});

describe('KeptReads (a read kept for the write that follows it)', () => {
  afterEach(() => jest.useRealTimers());

  it('serves one write only', () => {
    const kept = new KeptReads<string>();
    kept.keep(target(), 'config');
    expect(kept.take(target())).toBe('config');
    expect(kept.take(target())).toBeUndefined();
  });

  it('does not serve a server registered differently since', () => {
    const kept = new KeptReads<string>();
    kept.keep(target(), 'config');
    expect(kept.take(target({ url: 'http://127.0.0.2:8000/' }))).toBeUndefined();
  });

  it('lets go of a read no write followed', () => {
    jest.useFakeTimers();
    const kept = new KeptReads<string>();
    kept.keep(target(), 'config');
    jest.advanceTimersByTime(KEPT_READ_MS);
    expect(kept.take(target())).toBeUndefined();
  });

  it('releases a read let go without a write (replaced, dropped, expired, another registration, cleared), never one taken', async () => {
    jest.useFakeTimers();
    const released: string[] = [];
    const kept = new KeptReads<string>((value) => released.push(value));
    kept.keep(target(), 'replaced');
    kept.keep(target(), 'dropped');
    kept.drop(target());
    kept.keep(target(), 'expired');
    jest.advanceTimersByTime(KEPT_READ_MS);
    kept.keep(target(), 'other registration');
    expect(kept.take(target({ url: 'http://127.0.0.2:8000/' }))).toBeUndefined();
    kept.keep(target(), 'taken');
    expect(kept.take(target())).toBe('taken');
    kept.keep(target(), 'cleared');
    await kept.clear();
    expect(released).toEqual(['replaced', 'dropped', 'expired', 'other registration', 'cleared']);
  });
});
