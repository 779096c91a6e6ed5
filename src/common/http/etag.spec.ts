import { assertIfMatch, noneMatchHits } from './etag.js';

describe('assertIfMatch', () => {
  it('accepts an absent header, "*", and a matching tag among several', () => {
    expect(() => assertIfMatch(undefined, 3)).not.toThrow();
    expect(() => assertIfMatch('*', 3)).not.toThrow();
    expect(() => assertIfMatch('"2", "3"', 3)).not.toThrow();
  });

  it('answers 412 for a stale tag and for a weak tag', () => {
    expect(() => assertIfMatch('"2"', 3)).toThrow(expect.objectContaining({ status: 412 }));
    expect(() => assertIfMatch('W/"3"', 3)).toThrow(expect.objectContaining({ status: 412 }));
  });

  it('answers 400 for a malformed header', () => {
    expect(() => assertIfMatch('3', 3)).toThrow(expect.objectContaining({ status: 400 }));
  });
});

describe('noneMatchHits (conditional GET)', () => {
  it('hits on the current tag, among several, weak or strong, and on "*"', () => {
    expect(noneMatchHits('"3"', '"3"')).toBe(true);
    expect(noneMatchHits('"1", W/"3"', '"3"')).toBe(true);
    expect(noneMatchHits('*', '"3"')).toBe(true);
  });

  it('misses on another tag, and without the header', () => {
    expect(noneMatchHits('"2"', '"3"')).toBe(false);
    expect(noneMatchHits('"3-d"', '"3"')).toBe(false);
    expect(noneMatchHits(undefined, '"3"')).toBe(false);
  });
});
