import { PsScript } from '../src/vendors/windows/powershell/ps-script.js';
import { scopeWriteStatements } from '../src/vendors/windows/windows-scope-write.js';
import { scopeFromWindows } from '../src/vendors/windows/windows-scope.mapper.js';
import { SCOPE_PARTS } from '../src/vendors/scope-content.js';
import type { ScopeState } from '../test/support/windows/emulator/dhcp-state.js';
import { startWindowsEstate, type WindowsEstate } from '../test/support/windows/windows-estate.js';
import { windowsBody } from '../test/support/windows/windows-registry.js';
import { type BenchService, withBenchService } from './support/bench-service.js';

/** Bound on the service's replication of the whole relationship. */
const JOB_TIMEOUT_MS = 900_000;

/**
 * replicate-windows: replicate 1,000 scopes x 50 reservations x 5 options (5 scope options, and 5 options on every
 * reservation) from one emulated Windows server to another through the service (POST /replications until the job is
 * done), printing the time and the SSH sessions each server saw (the emulator's session log), against a
 * one-call-per-cmdlet baseline measured in the same run: the cmdlets the same write needs, each in an SSH session of
 * its own. Running all of them one by one would take hours, so the baseline runs the first BASELINE_CMDLETS and
 * extrapolates (said so in the output). Target (issue 8): at most 10 sessions on the destination.
 *
 * The servers are the emulator behind a real sshd (test/support/windows, built by `npm run build:emulator`).
 */
const SCOPES = Number(process.env['WINDOWS_SCOPES'] ?? 1000);
const RESERVATIONS = 50;
const OPTIONS = 5;
const BASELINE_CMDLETS = Number(process.env['WINDOWS_BASELINE_CMDLETS'] ?? 60);

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const hex = (value: number): string => value.toString(16).padStart(2, '0');

/** Scope `i` as the emulator holds it: 10.a.b.0/24, 5 options, 50 reservations with 5 options each. */
function benchScope(i: number): ScopeState {
  const p = `10.${100 + Math.floor(i / 256)}.${i % 256}`;
  const options = (host: number): Record<string, string[]> => ({
    '3': [`${p}.1`],
    '6': [`${p}.53`, `${p}.54`],
    '15': [`s${i}-${host}.bench.example`],
    '42': [`${p}.123`],
    '44': [`${p}.44`],
  });
  return {
    scopeId: `${p}.0`,
    subnetMask: '255.255.255.0',
    startRange: `${p}.10`,
    endRange: `${p}.250`,
    name: `bench-${i}`,
    description: `bench scope ${i}`,
    state: 'Active',
    type: 'Dhcp',
    leaseDurationSeconds: 86_400,
    maxBootpClients: 4294967295,
    delayMs: 0,
    exclusions: [{ startRange: `${p}.240`, endRange: `${p}.250` }],
    reservations: Array.from({ length: RESERVATIONS }, (_, j) => ({
      ipAddress: `${p}.${20 + j}`,
      clientId: `02-00-${hex(Math.floor(i / 256))}-${hex(i % 256)}-00-${hex(j)}`,
      name: `h${i}-${j}`,
      description: '',
      type: 'Dhcp' as const,
      options: options(j),
    })),
    options: options(0),
  };
}

/** The scope as the driver reads it (the same projection the PowerShell answer has). */
function modelOf(scope: ScopeState) {
  const option = (values: Record<string, string[]>) =>
    Object.entries(values).map(([id, value]) => ({ id: Number(id), value }));
  return scopeFromWindows({
    scopeId: scope.scopeId,
    mask: scope.subnetMask,
    name: scope.name,
    description: scope.description,
    state: scope.state,
    start: scope.startRange,
    end: scope.endRange,
    lease: scope.leaseDurationSeconds,
    exclusions: scope.exclusions.map((e) => ({ start: e.startRange, end: e.endRange })),
    options: option(scope.options),
    reservations: scope.reservations.map((r) => ({
      ip: r.ipAddress,
      clientId: r.clientId,
      name: r.name,
      description: r.description,
      type: r.type,
      options: option(r.options),
    })),
  });
}

export async function run(): Promise<void> {
  const estate = await startWindowsEstate({ servers: [{ name: 'SRC' }, { name: 'DST' }] });
  // The baseline's server has a state file of its own: the emulator reads and writes its whole state file in every
  // session, and the baseline should not pay for the 1,000 scopes of the other two.
  const baseline = await startWindowsEstate({ servers: [{ name: 'BASE' }] });
  try {
    const scopes = Array.from({ length: SCOPES }, (_, i) => benchScope(i));
    await estate.update((state) => {
      for (const scope of scopes) state.servers['src'].scopes[scope.scopeId] = scope;
    });
    await withBenchService('', (service) => measure(service, estate, baseline, scopes));
  } finally {
    await Promise.all([estate.stop(), baseline.stop()]);
  }
}

async function measure(
  service: BenchService,
  estate: WindowsEstate,
  baseline: WindowsEstate,
  scopes: ScopeState[],
): Promise<void> {
  const register = async (name: string): Promise<string> =>
    (await service.api('POST', '/api/v1/servers', windowsBody(estate.server(name))))['id'] as string;
  const [source, destination] = [await register('SRC'), await register('DST')];
  const relationship = await service.api('POST', '/api/v1/relationships', {
    name: 'bench-windows',
    vendor: 'windows',
    mode: 'load-balancing',
    servers: [
      { serverId: source, role: 'primary' },
      { serverId: destination, role: 'secondary' },
    ],
  });

  // The service: one replication of every scope of the relationship's source.
  const sessionsBefore = {
    src: (await estate.sessions('SRC')).length,
    dst: (await estate.sessions('DST')).length,
  };
  const { ms, phases } = await service.replicate(
    { kind: 'relationship', sourceServerId: source, relationshipId: relationship['id'] },
    JOB_TIMEOUT_MS,
  );
  const dstSessions = (await estate.sessions('DST')).slice(sessionsBefore.dst);
  const srcSessions = (await estate.sessions('SRC')).slice(sessionsBefore.src);
  const copied = (await estate.serverState('DST')).scopes;
  const different = scopes.filter((scope) => {
    const copy = copied[scope.scopeId];
    return !copy || JSON.stringify(modelOf(copy)) !== JSON.stringify(modelOf(scope));
  });
  if (different.length > 0)
    throw new Error(`${different.length} scopes differ on the destination after the run`);

  // The baseline: the same cmdlets, one SSH session each, on a server of its own.
  const cmdlets = scopes.flatMap((scope) =>
    scopeWriteStatements(undefined, { content: modelOf(scope), parts: SCOPE_PARTS }),
  );
  const sample = cmdlets.slice(0, BASELINE_CMDLETS);
  const started = performance.now();
  for (const cmdlet of sample) {
    const script = new PsScript();
    script.step([cmdlet]);
    const result = await baseline.run('BASE', script.toString());
    if (result.code !== 0 || !result.stdout.includes('"ok":true')) {
      throw new Error(`baseline cmdlet failed: ${cmdlet}\n${result.stdout}${result.stderr}`);
    }
  }
  const perCmdlet = (performance.now() - started) / sample.length;
  const cmdletsRun = dstSessions.reduce((sum, line) => sum + line.cmdlets, 0);
  process.stdout.write(
    `replicate-windows ${SCOPES} scopes x ${RESERVATIONS} reservations x ${OPTIONS} options ` +
      `(${cmdlets.length} write cmdlets): service ${seconds(ms)}, ` +
      `${dstSessions.length} SSH sessions on the destination (target <= 10; ${cmdletsRun} cmdlets), ` +
      `${srcSessions.length} on the source\n` +
      `  one call per cmdlet: ${cmdlets.length} sessions; ${sample.length} measured at ${perCmdlet.toFixed(0)} ms ` +
      `each, so about ${seconds(perCmdlet * cmdlets.length)} for all (extrapolated), ` +
      `${((perCmdlet * cmdlets.length) / ms).toFixed(0)}x the service\n` +
      `  the job's phases (ms): ${Object.entries(phases)
        .map(([phase, value]) => `${phase} ${Math.round(value)}`)
        .join(', ')}\n` +
      `  destination sessions: ${dstSessions.map((line) => `${line.cmdlets} cmdlets ${seconds(line.ms)}`).join('; ')}\n`,
  );
}
