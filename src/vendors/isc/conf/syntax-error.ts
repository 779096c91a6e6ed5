/** A dhcpd.conf we cannot read: where (file, 1-based line and column) and what to fix. */
export class DhcpdConfSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${file} line ${line}, column ${column}: ${reason}`);
    this.name = 'DhcpdConfSyntaxError';
  }
}
