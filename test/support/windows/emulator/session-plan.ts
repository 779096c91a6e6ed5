/**
 * `powershell -Command -` reads stdin like interactive input, a line at a time: a complete line runs at once; an
 * incomplete one switches to multi-line input, which runs only when an empty line follows. So a multi-line block
 * that is the last thing in the script without an empty line after it never runs, and an empty line inside a block
 * cuts it (PowerShell then reports the block as incomplete). This computes which statements run, and when.
 */
import type { ParseFailure } from './ps-syntax.js';

type Lines = { line: number; endLine: number };

export interface Plan {
  /** Indexes of the statements in the order they run, grouped as PowerShell hands them to the engine. */
  groups: number[][];
  /** How many statements were read but never run (a last multi-line block without an empty line after it). */
  dropped: number;
}

export function planExecution(program: Lines[], source: string): Plan | { failure: ParseFailure } {
  const lines = source.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const blank = (line: number): boolean => (lines[line - 1] ?? '').trim() === '';
  const groups: number[][] = [];
  const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, n) => from + n);
  let i = 0;
  while (i < program.length) {
    const start = program[i].line;
    let j = i;
    let end = program[i].endLine;
    while (j + 1 < program.length && program[j + 1].line === start) end = Math.max(end, program[++j].endLine);
    if (end === start) {
      groups.push(range(i, j + 1));
      i = j + 1;
      continue;
    }
    let emptyLine = start + 1;
    while (emptyLine <= lines.length && !blank(emptyLine)) emptyLine++;
    if (emptyLine > lines.length) return { groups, dropped: program.length - i };
    let k = i;
    while (k < program.length && program[k].line < emptyLine) {
      if (program[k].endLine > emptyLine)
        return {
          failure: {
            line: emptyLine,
            column: 1,
            lineText: lines[emptyLine - 1] ?? '',
            message:
              "Missing closing '}' in statement block or type definition. (powershell -Command - runs the input read so far at an empty line; an empty line inside a block cuts it.)",
            errorId: 'MissingEndCurlyBrace',
          },
        };
      k++;
    }
    groups.push(range(i, k));
    i = k;
  }
  return { groups, dropped: 0 };
}
