import type { DhcpOption, ScopeContent } from '../../scope-content.js';
import { isStatement } from './conf-walk.js';
import { insertNodes } from './conf-edit.js';
import { mainFile, type ConfSet } from './include-resolver.js';
import { definitionOf, STANDARD_OPTIONS, type OptionCatalog } from './isc-options.js';
import { UndefinedOptionError } from './option-edit.js';
import { parseNodes } from './parser.js';

/**
 * Options a configuration defines itself (`option foo code 224 = text;`) travel with the scopes that use them: an ISC
 * source reports their declarations in `vendorExtras.optionDefinitions`, and a write declares on the destination each
 * one it lacks, so a host or subnet using such an option is written whole rather than losing it.
 */
export const OPTION_DEFINITIONS = 'optionDefinitions';

/** The declarations of the non-standard options among `options` (those the configuration defines), each once. */
export function optionDefinitionsOf(catalog: OptionCatalog, options: Iterable<DhcpOption>): string[] {
  const declarations = new Set<string>();
  for (const option of options) {
    const declaration = catalog.coded(option.code)?.declaration;
    if (declaration && !STANDARD_OPTIONS.has(catalog.coded(option.code)!.name)) declarations.add(declaration);
  }
  return [...declarations];
}

/**
 * Declares on `set` the option definitions `content` carries that it lacks, at the top level of the main file before
 * its first declaration or include (dhcpd must read a definition before a use), and adds them to `catalog`. A
 * definition whose code or name the destination already gives another meaning is refused: the scope cannot be
 * written as the source has it.
 */
export function declareOptionDefinitions(set: ConfSet, catalog: OptionCatalog, content: ScopeContent): void {
  const carried = content.vendorExtras?.[OPTION_DEFINITIONS];
  if (!Array.isArray(carried)) return;
  for (const text of carried) {
    if (typeof text !== 'string') continue;
    const [node] = parseNodes(text);
    const definition = node?.kind === 'statement' ? definitionOf(node) : undefined;
    if (!definition) continue;
    const byCode = catalog.coded(definition.code);
    const byName = catalog.named(definition.name);
    if (byCode?.name === definition.name && byCode.type === definition.type) continue;
    if (byCode || byName) {
      const here = byCode ?? byName!;
      throw new UndefinedOptionError(
        definition.code,
        `the source defines option code ${definition.code} as "${text}", but this configuration has ` +
          `"${here.declaration ?? `option ${here.name} code ${here.code}`}"; align the two definitions first`,
      );
    }
    const file = mainFile(set);
    const first = file.body.findIndex((child) => child.kind === 'block' || isStatement(child, 'include'));
    insertNodes(file, file, first < 0 ? file.body.length : first, [text.replace(/;\s*$/, '')]);
    catalog.define(definition);
  }
}
