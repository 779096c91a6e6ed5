/**
 * The `wait` preference of RFC 7240 (`Prefer: wait=10`): how many seconds the caller is willing to wait for an
 * answer. Undefined when the header names no usable `wait`: a preference the server cannot read is ignored, not an
 * error (RFC 7240 section 2), so a malformed one means "answer now". When `wait` is given twice, the first counts.
 */
export function preferredWaitSeconds(prefer: string | string[] | undefined): number | undefined {
  const values = Array.isArray(prefer) ? prefer : prefer === undefined ? [] : [prefer];
  for (const value of values) {
    for (const preference of value.split(',')) {
      // A preference is `token [= value] *( ; parameter )`; parameters do not matter for `wait`.
      const [head = ''] = preference.split(';');
      const equals = head.indexOf('=');
      if (equals < 0 || head.slice(0, equals).trim().toLowerCase() !== 'wait') continue;
      const seconds = head
        .slice(equals + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
      // Delta-seconds too large to hold mean "as long as you allow" (RFC 9111 5.2): the caller shortens them.
      return /^\d+$/.test(seconds) ? Number(seconds) : undefined;
    }
  }
  return undefined;
}
