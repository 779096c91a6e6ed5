import type { ServerTarget } from '../driver.js';
import { DriverError, DriverErrorCode } from '../driver-error.js';
import type { ScopeContent } from '../scope-content.js';
import { psString } from './powershell/ps-literal.js';
import { stepError, win32Code, type StepResult } from './powershell/ps-results.js';
import { PsScript } from './powershell/ps-script.js';
import type { WindowsFailoverInfo } from './windows-failover.js';
import { LIST_FAILOVERS, readAllScopesStatements, readScopeStatements } from './windows-projections.js';
import { scopeFromWindows, type WindowsScope } from './windows-scope.mapper.js';
import { runBatch } from './windows-session.js';

const SCOPE_NOT_FOUND = 20005;

/** The scopes named (all when absent), with the relationship each belongs to, in one session. */
export async function readScopesInOneSession(
  target: ServerTarget,
  networks: readonly string[] | undefined,
): Promise<Map<string, ScopeContent>> {
  const script = new PsScript();
  script.step([], LIST_FAILOVERS);
  if (networks === undefined) script.step(readAllScopesStatements(), '$all');
  else for (const network of networks) script.step(readScopeStatements(psString(network)), '$scope');
  const [failovers, ...reads] = await runBatch(target, script);
  const membership = relationshipOfScopes(valueOf(failovers, target, 'list failover relationships'));
  const found: WindowsScope[] =
    networks === undefined
      ? valueOf<WindowsScope[]>(reads[0], target, 'read every scope')
      : reads.flatMap((result, index) =>
          !result.ok && win32Code(result) === SCOPE_NOT_FOUND
            ? []
            : [valueOf<WindowsScope>(result, target, `read scope ${networks[index]}`)],
        );
  return new Map(
    found.map((scope) => [
      scope.scopeId,
      guard(() => scopeFromWindows(scope, membership.get(scope.scopeId))),
    ]),
  );
}

export function relationshipOfScopes(failovers: WindowsFailoverInfo[]): Map<string, string> {
  const membership = new Map<string, string>();
  for (const failover of failovers)
    for (const scopeId of failover.scopeIds) membership.set(scopeId, failover.name);
  return membership;
}

/** A step's value, or its error as a DriverError. */
export function valueOf<T>(result: StepResult | undefined, target: ServerTarget, action: string): T {
  if (!result) throw new DriverError(DriverErrorCode.invalidConfig, `${target.name}: ${action}: no answer`);
  if (!result.ok) throw stepError(result, `${target.name}: ${action}`);
  return result.value as T;
}

/** Mapping answers to the model fails with DriverErrors only. */
export function guard<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof DriverError) throw error;
    throw new DriverError(DriverErrorCode.invalidConfig, `unexpected Windows answer: ${String(error)}`);
  }
}
