/**
 * The emulated estate: several Windows DHCP servers' configuration in one JSON file, so that a relationship made on
 * one server shows on its partner. A session holds an exclusive lock file (O_EXCL, bounded retry, stale locks of
 * dead processes broken) from reading the file to writing it back atomically (temp file + rename).
 */
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';

export interface ExclusionState {
  startRange: string;
  endRange: string;
}

export type OptionValues = Record<string, string[]>;

export interface ReservationState {
  ipAddress: string;
  clientId: string;
  name: string;
  description: string;
  type: 'Dhcp' | 'Bootp' | 'Both';
  options: OptionValues;
}

export interface ScopeState {
  scopeId: string;
  subnetMask: string;
  startRange: string;
  endRange: string;
  name: string;
  description: string;
  state: 'Active' | 'InActive';
  type: 'Dhcp' | 'Bootp' | 'Both';
  leaseDurationSeconds: number;
  maxBootpClients: number;
  delayMs: number;
  exclusions: ExclusionState[];
  reservations: ReservationState[];
  options: OptionValues;
}

export interface RelationshipState {
  name: string;
  /** As the creating cmdlet was given it (name or address); on the partner, the creating server's name. */
  partnerServer: string;
  /** The partner's emulated server name (the key into the estate). */
  partnerName: string;
  mode: 'LoadBalance' | 'HotStandby';
  serverRole: 'Active' | 'Standby';
  loadBalancePercent: number;
  reservePercent: number;
  maxClientLeadTimeSeconds: number;
  autoStateTransition: boolean;
  stateSwitchIntervalSeconds: number | null;
  enableAuth: boolean;
  sharedSecret: string | null;
  serverType: 'PrimaryServer' | 'SecondaryServer';
  primaryServerName: string;
  secondaryServerName: string;
  scopeIds: string[];
  /** Set by -PartnerDown; otherwise Normal, or CommunicationInterrupted while the partner is down. */
  partnerDownDeclared: boolean;
}

export interface Faults {
  /** Each session waits this long before it runs its script (a slow server). */
  delayMs?: number;
  /**
   * The session dies after its Nth DhcpServer cmdlet (the Nth call of `cmdlet` when named): changes so far kept, no
   * output, the connection dropped.
   */
  dropAfterCmdlets?: number | { n: number; cmdlet: string };
  /**
   * The session's Nth DhcpServer cmdlet (the Nth call of `cmdlet` when named) fails with this Win32 code instead of
   * running.
   */
  failCommand?: { n: number; code: number; cmdlet?: string };
  /** The DHCP service is down: its own cmdlets and its partners' cmdlets that need it fail with 1722. */
  down?: boolean;
}

export interface ServerState {
  name: string;
  address: string;
  moduleVersion: string;
  serverVersion: { major: number; minor: number };
  scopes: Record<string, ScopeState>;
  relationships: RelationshipState[];
  serverOptions: OptionValues;
  faults: Faults;
}

export interface EstateState {
  servers: Record<string, ServerState>;
}

export function emptyServer(name: string, address: string): ServerState {
  return {
    name,
    address,
    moduleVersion: '2.0.0.0',
    serverVersion: { major: 10, minor: 0 },
    scopes: {},
    relationships: [],
    serverOptions: {},
    faults: {},
  };
}

export function readEstate(file: string): EstateState {
  return JSON.parse(readFileSync(file, 'utf8')) as EstateState;
}

export function writeEstate(file: string, state: EstateState): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, file);
}

export function findServer(estate: EstateState, nameOrAddress: string): ServerState | undefined {
  const key = nameOrAddress.toLowerCase();
  const short = key.split('.')[0];
  return Object.values(estate.servers).find(
    (s) => s.address === nameOrAddress || s.name.toLowerCase() === key || s.name.toLowerCase() === short,
  );
}

/** Bounded wait for the estate lock; returns its release function. */
export async function lockEstate(file: string, timeoutMs = 60_000): Promise<() => void> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        if (existsSync(lock)) unlinkSync(lock);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      breakStaleLock(lock);
      if (Date.now() > deadline)
        throw new Error(`estate lock ${lock} not free after ${timeoutMs} ms`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** A lock left by a process that died (SIGKILL) is removed, so a dropped session cannot block the estate. */
function breakStaleLock(lock: string): void {
  let pid: number;
  try {
    pid = Number(readFileSync(lock, 'utf8'));
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') {
      try {
        unlinkSync(lock);
      } catch {
        // Another waiter removed it first.
      }
    }
  }
}
