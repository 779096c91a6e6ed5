import type { ServerTarget } from '../driver.js';
import { type SshSettings, sshSettingsOf } from '../ssh/ssh-settings.js';
import { runPowerShell } from './powershell/powershell-session.js';
import { parseResults, type StepResult } from './powershell/ps-results.js';
import type { PsScript } from './powershell/ps-script.js';

/** How a registered Windows server is reached (WindowsConnectionDto; the registry requires a username). */
export function windowsSshSettings(target: ServerTarget): SshSettings {
  return sshSettingsOf(target, 'Administrator');
}

/** Runs one batch on the server (one SSH session) and answers one result per step, in step order. */
export async function runBatch(target: ServerTarget, script: PsScript): Promise<StepResult[]> {
  const settings = windowsSshSettings(target);
  const answer = await runPowerShell(settings, script.toString());
  return parseResults(answer, script.steps, `Windows server ${target.name}`);
}
