/**
 * A `key` declaration's `secret` (dhcpd.conf(5): the TSIG/OMAPI key, base64, quoted or not) is a credential: text
 * quoted from a configuration into a message (our parser's errors, dhcpd's own diagnostics, which print the offending
 * line) shows `secret [redacted]` instead.
 */
const SECRET_VALUE = /\b(secret\s+)("(?:[^"\\\n]|\\.)*"?|[^\s;{}]+)/gi;

export const REDACTED = '[redacted]';

export function redactKeySecrets(text: string): string {
  return text.replace(SECRET_VALUE, `$1${REDACTED}`);
}
