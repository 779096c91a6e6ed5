import type { DhcpOption } from '../../scope-content.js';
import { insertNodes, removeNode, setStatementTokens } from './conf-edit.js';
import { optionFromStatement, optionValueText, sameOptionValue, type OptionCatalog } from './isc-options.js';
import { type BlockNode, type ConfFile, type StatementNode } from './syntax-tree.js';
import { headLength, headStartsWith, headText } from './node-head.js';

/** An option code dhcpd has no name for here: it cannot be written without an `option NAME code N = TYPE;`. */
export class UndefinedOptionError extends Error {
  constructor(
    readonly code: number,
    message = `option code ${code} has no definition in dhcpd.conf; declare it with "option NAME code ${code} = TYPE;"`,
  ) {
    super(message);
    this.name = 'UndefinedOptionError';
  }
}

/** The option statements of a block the model can hold, by code. */
export function modelledOptions(
  block: BlockNode,
  catalog: OptionCatalog,
): Array<{ statement: StatementNode; option: DhcpOption }> {
  const found: Array<{ statement: StatementNode; option: DhcpOption }> = [];
  for (const node of block.body) {
    if (node.kind !== 'statement') continue;
    const option = optionFromStatement(node, catalog);
    if (option) found.push({ statement: node, option });
  }
  return found;
}

/**
 * Makes the block's modelled options exactly `options` (codes in `skip` are left alone): an unchanged option keeps
 * its line, a changed one gets a new value in place, a new one goes after the last option statement. `modelled` is
 * the block's {@link modelledOptions} when the caller has them already.
 */
export function applyOptions(
  file: ConfFile,
  block: BlockNode,
  options: DhcpOption[],
  catalog: OptionCatalog,
  skip: ReadonlySet<number> = new Set(),
  modelled: ReturnType<typeof modelledOptions> = modelledOptions(block, catalog),
): void {
  const current = modelled.filter(({ option }) => !skip.has(option.code));
  const used = new Set<StatementNode>();
  for (const option of options.filter((candidate) => !skip.has(candidate.code))) {
    const definition = catalog.coded(option.code);
    if (!definition) throw new UndefinedOptionError(option.code);
    const text = optionValueText(option, definition.type);
    const existing = current.find(
      ({ statement, option: had }) => !used.has(statement) && had.code === option.code,
    );
    if (existing) {
      used.add(existing.statement);
      if (!sameOptionValue(existing.option, option)) setStatementTokens(existing.statement, 2, text);
      continue;
    }
    const statements = block.body.filter(
      (node) => node.kind === 'statement' && headText(node, 0) === 'option',
    );
    const after = statements.length > 0 ? block.body.indexOf(statements[statements.length - 1]) + 1 : 0;
    used.add(insertNodes(file, block, after, [`option ${definition.name} ${text}`])[0] as StatementNode);
  }
  for (const { statement } of current) {
    if (!used.has(statement)) removeNode(block, statement);
  }
}

/** Sets `keyword value;` in a block (first such statement), inserting it at `index` when absent. */
export function setStatement(
  file: ConfFile,
  block: BlockNode,
  keyword: string,
  value: string,
  index = 0,
): void {
  const keywords = keyword.split(' ');
  const words = keywords.length;
  const existing = block.body.find(
    (node): node is StatementNode => node.kind === 'statement' && headStartsWith(node, keywords),
  );
  if (existing) {
    const texts: string[] = [];
    for (let index = words; index < headLength(existing); index += 1) texts.push(headText(existing, index)!);
    const current = texts.join(' ');
    if (current !== value) setStatementTokens(existing, words, value);
    return;
  }
  insertNodes(file, block, Math.min(index, block.body.length), [`${keyword} ${value}`]);
}
