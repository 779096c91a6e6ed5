import { posix } from 'node:path';
import { parse } from './parser.js';
import { print } from './printer.js';
import { DhcpdConfSyntaxError } from './syntax-error.js';
import { type ConfFile, type ConfNode, type StatementNode } from './syntax-tree.js';
import { headKind, headLength, headStartsWith, headValue } from './node-head.js';

/** Reads one file's text; the transport supplies it (SFTP or the local file system). */
export type ReadConfFile = (path: string) => Promise<string>;

/** A dhcpd.conf and every file it includes, parsed, keyed by the path as resolved. */
export interface ConfSet {
  mainPath: string;
  files: Map<string, ConfFile>;
  /** The text each file had when read, to tell which files an edit changed. */
  originals: Map<string, string>;
}

/** `include "path";` -> the path as written. */
export function includeTarget(node: ConfNode): string | undefined {
  if (node.kind !== 'statement' || headLength(node) !== 2 || headKind(node, 1) !== 'string') return undefined;
  return headKind(node, 0) === 'word' && headStartsWith(node, INCLUDE) ? headValue(node, 1) : undefined;
}

const INCLUDE = ['include'];

/**
 * dhcpd opens a relative include path from its working directory, which a remote service cannot know; we resolve it
 * against the main file's directory, where Debian's layout (/etc/dhcp) keeps included files.
 */
export function resolveInclude(mainPath: string, target: string): string {
  return posix.isAbsolute(target) ? posix.normalize(target) : posix.join(posix.dirname(mainPath), target);
}

/**
 * Reads `mainPath` and, depth first in file order, every file it includes. A file that includes itself directly or
 * through others is an error at the include statement that closes the cycle.
 */
export async function loadConf(mainPath: string, read: ReadConfFile): Promise<ConfSet> {
  const set: ConfSet = { mainPath, files: new Map(), originals: new Map() };
  const visit = async (path: string, stack: string[]): Promise<void> => {
    if (set.files.has(path)) return;
    const text = await read(path);
    const file = parse(text, path);
    set.files.set(path, file);
    set.originals.set(path, text);
    for (const { statement, target } of includesOf(file.body)) {
      const resolved = resolveInclude(mainPath, target);
      if (resolved === path || stack.includes(resolved)) {
        const cycle = [...stack, path, resolved].join(' -> ');
        const token = statement.tokens[1];
        throw new DhcpdConfSyntaxError(path, token.line ?? 0, token.column ?? 0, `include cycle: ${cycle}`);
      }
      await visit(resolved, [...stack, path]);
    }
  };
  await visit(mainPath, []);
  return set;
}

/** Include statements anywhere in a body (dhcpd allows them inside declarations too). */
function includesOf(
  body: ConfNode[],
  found: Array<{ statement: StatementNode; target: string }> = [],
): Array<{ statement: StatementNode; target: string }> {
  // One list filled through the whole tree (not one per block: a large file has tens of thousands of blocks).
  for (const node of body) {
    if (node.kind === 'block') {
      includesOf(node.body, found);
      continue;
    }
    const target = includeTarget(node);
    if (target !== undefined) found.push({ statement: node as StatementNode, target });
  }
  return found;
}

/** The files whose printed text differs from what was read: the only ones a write needs to replace. */
export function changedFiles(set: ConfSet): Map<string, string> {
  const changed = new Map<string, string>();
  for (const [path, file] of set.files) {
    const text = print(file);
    if (text !== set.originals.get(path)) changed.set(path, text);
  }
  return changed;
}

export function mainFile(set: ConfSet): ConfFile {
  return set.files.get(set.mainPath)!;
}
