/**
 * A PowerShell batch as docs/windows.md ("Script shape") has it: each step is a `try`/`catch` that appends
 * `{ step, ok, value }` or `{ step, ok, errorId, message }` to `$results`, every top-level block is followed by an
 * empty line (PowerShell reading stdin runs a multi-line statement only then), and the last statement prints
 * `$results` as one JSON document.
 */
export class PsScript {
  private readonly lines: string[] = ["$ErrorActionPreference = 'Stop'", '$results = @()'];
  private count = 0;
  private statementCount = 0;

  /**
   * Adds a step: `statements` run in order, and `value` (an expression, evaluated after them) is the step's answer.
   * A failing statement ends the step (the rest of its statements are not run) and the step reports the error; later
   * steps still run. Returns the step's number.
   */
  step(statements: readonly string[], value = '$null'): number {
    const step = this.count++;
    this.statementCount += statements.length + 1;
    for (const statement of statements) {
      if (statement.trim() === '' || statement.includes('\r')) throw new Error('a step statement is blank');
    }
    this.lines.push(
      'try {',
      ...statements.map((statement) => `  ${statement}`),
      `  $results += @{ step = ${step}; ok = $true; value = ${value} }`,
      '} catch {',
      `  $results += @{ step = ${step}; ok = $false; errorId = [string]$_.FullyQualifiedErrorId; message = [string]$_.Exception.Message }`,
      '}',
      '',
    );
    return step;
  }

  get steps(): number {
    return this.count;
  }

  /** Statements in all steps (about one cmdlet each), for the batch's time bound. */
  get statements(): number {
    return this.statementCount;
  }

  toString(): string {
    return [...this.lines, 'ConvertTo-Json -InputObject $results -Depth 12 -Compress', '', ''].join('\n');
  }
}
