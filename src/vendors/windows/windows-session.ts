import type { ServerTarget } from '../driver.js';
import { type SshSettings, sshSettingsOf } from '../ssh/ssh-settings.js';
import { runPowerShell } from './powershell/powershell-session.js';
import { parseResults, type StepResult } from './powershell/ps-results.js';
import type { PsScript } from './powershell/ps-script.js';

/** How a registered Windows server is reached (WindowsConnectionDto; the registry requires a username). */
export function windowsSshSettings(target: ServerTarget): SshSettings {
  return sshSettingsOf(target, 'Administrator');
}

/**
 * Time allowed per statement on top of the command timeout: a DhcpServer cmdlet is an RPC to the DHCP service
 * (tens of ms on a real server), and a batch may hold tens of thousands of them. A bound, not an expectation.
 */
export const PER_STATEMENT_MS = 100;

/** Runs one batch on the server (one SSH session) and answers one result per step, in step order. */
export async function runBatch(target: ServerTarget, script: PsScript): Promise<StepResult[]> {
  const settings = windowsSshSettings(target);
  const answer = await runPowerShell(
    { ...settings, commandTimeoutMs: settings.commandTimeoutMs + PER_STATEMENT_MS * script.statements },
    script.toString(),
  );
  return parseResults(answer, script.steps, `Windows server ${target.name}`);
}
