import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { generateOpenApiDocument } from '../../openapi/preview-app.js';

/**
 * Every member the code can put on a problem is in the published ProblemDetails schema. The members are found, not
 * listed: each place that hands extensions to ProblemException (its constructor, or a factory's `extensions`
 * parameter) is located with the type checker, and the argument's type says which members it can hold — spreads,
 * conditional members and variables included. A new member fails here until ProblemDetails documents it.
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Site {
  where: string;
  members: string[];
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
    .map((entry) => `${entry.parentPath}/${entry.name}`);
}

function compile(): ts.Program {
  const { config } = ts.readConfigFile(`${root}tsconfig.json`, (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  return ts.createProgram(sourceFiles(`${root}src`), { ...options, noEmit: true });
}

/** What the expression really is: `x as T`, `x!`, `(x)` and `x satisfies T` say nothing of the members it holds. */
function unwrap(expression: ts.Expression): ts.Expression {
  while (
    ts.isAsExpression(expression) ||
    ts.isTypeAssertionExpression(expression) ||
    ts.isNonNullExpression(expression) ||
    ts.isParenthesizedExpression(expression) ||
    ts.isSatisfiesExpression(expression)
  ) {
    expression = expression.expression;
  }
  return expression;
}

/** The member names a value of `type` can hold, or undefined when its shape is open (an index signature, any). */
function membersOf(checker: ts.TypeChecker, type: ts.Type): string[] | undefined {
  if (type.isUnion() || type.isIntersection()) {
    const parts = type.types.map((part) => membersOf(checker, part));
    return parts.some((part) => part === undefined) ? undefined : [...new Set(parts.flat() as string[])];
  }
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return undefined;
  if (checker.getIndexInfosOfType(type).length > 0) return undefined;
  return checker.getPropertiesOfType(type).map((property) => property.name);
}

/** The index of the `extensions` parameter when `node` calls ProblemException's constructor or one of its factories. */
function extensionsParameter(checker: ts.TypeChecker, node: ts.CallLikeExpression): number {
  const declaration = checker.getResolvedSignature(node)?.getDeclaration();
  if (
    !declaration ||
    !ts.isClassLike(declaration.parent) ||
    declaration.parent.name?.text !== 'ProblemException'
  ) {
    return -1;
  }
  return declaration.parameters.findIndex(
    (parameter) => ts.isIdentifier(parameter.name) && parameter.name.text === 'extensions',
  );
}

/**
 * ProblemExtensions itself, whatever passes it on: a member declared on ProblemDetails without its `@ApiProperty`
 * type-checks everywhere yet is missing from the schema.
 */
function declaredExtensions(program: ts.Program, checker: ts.TypeChecker): Site {
  const file = program.getSourceFile(`${root}src/common/problem/problem-details.ts`);
  const alias = file?.statements.find(
    (statement): statement is ts.TypeAliasDeclaration =>
      ts.isTypeAliasDeclaration(statement) && statement.name.text === 'ProblemExtensions',
  );
  if (!alias) throw new Error('ProblemExtensions is not declared in problem-details.ts');
  const members = membersOf(checker, checker.getTypeAtLocation(alias.name));
  return { where: 'ProblemExtensions', members: members ?? ['<a shape with no fixed members>'] };
}

function extensionSites(program: ts.Program): Site[] {
  const checker = program.getTypeChecker();
  const sites: Site[] = [declaredExtensions(program, checker)];
  for (const file of program.getSourceFiles()) {
    if (!file.fileName.startsWith(`${root}src/`)) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isNewExpression(node) || ts.isCallExpression(node)) {
        const index = extensionsParameter(checker, node);
        const argument = index >= 0 ? node.arguments?.[index] : undefined;
        if (argument) {
          const { line } = file.getLineAndCharacterOfPosition(argument.getStart());
          const where = `${file.fileName.slice(root.length)}:${line + 1}`;
          const members = membersOf(checker, checker.getTypeAtLocation(unwrap(argument)));
          // An open shape could hold anything: the test cannot tell what reaches the caller.
          sites.push({ where, members: members ?? ['<a shape with no fixed members>'] });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return sites;
}

describe('problem extension members', () => {
  let sites: Site[];
  let documented: string[];

  beforeAll(async () => {
    sites = extensionSites(compile());
    const document = (await generateOpenApiDocument()) as {
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    documented = Object.keys(document.components.schemas['ProblemDetails']?.properties ?? {});
  }, 120_000);

  it('finds the places that build problems with extensions (the scan itself works)', () => {
    expect(sites.length).toBeGreaterThan(10);
    const found = new Set(sites.flatMap((site) => site.members));
    for (const member of ['errors', 'missingPermission', 'driverError', 'vendorMessage', 'failedServerId']) {
      expect(found).toContain(member);
    }
  });

  it('every member a problem can carry is a property of the ProblemDetails schema', () => {
    const undocumented = sites.flatMap(({ where, members }) =>
      members.filter((member) => !documented.includes(member)).map((member) => `${where}: ${member}`),
    );
    expect(undocumented).toEqual([]);
  });
});
