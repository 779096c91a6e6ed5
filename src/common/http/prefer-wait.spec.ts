import { preferredWaitSeconds } from './prefer-wait.js';

describe('preferredWaitSeconds (RFC 7240 wait)', () => {
  it.each([
    ['wait=10', 10],
    ['WAIT = 5', 5],
    ['respond-async, wait=30', 30],
    ['wait="7"', 7],
    ['wait=0', 0],
    ['handling=lenient; x=1, wait=2; foo', 2],
    ['wait=3, wait=9', 3],
    ['wait=99999999999', 99999999999],
    [`wait=${'9'.repeat(400)}`, Infinity],
  ])('%s is %s seconds', (header, seconds) => {
    expect(preferredWaitSeconds(header)).toBe(seconds);
  });

  it.each([undefined, '', 'respond-async', 'wait', 'wait=', 'wait=abc', 'wait=-1', 'wait=1.5', 'waiting=3'])(
    '%s asks for no wait (ignored, as the RFC says)',
    (header) => {
      expect(preferredWaitSeconds(header)).toBeUndefined();
    },
  );

  it('reads the header given more than once', () => {
    expect(preferredWaitSeconds(['respond-async', 'wait=4'])).toBe(4);
  });
});
