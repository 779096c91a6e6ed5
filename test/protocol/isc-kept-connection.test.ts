import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ServerTarget } from '../../src/vendors/driver.js';
import { KeptReads } from '../../src/vendors/kept-reads.js';
import { type IscConfigSession, openIscConfig } from '../../src/vendors/isc/isc-config-session.js';
import { IscDriver } from '../../src/vendors/isc/isc.driver.js';
import { iscSshPool } from '../../src/vendors/isc/transport/ssh-pool.js';
import { DHCPD_BIN, type DhcpdFiles, makeDhcpdFiles, SUBNETS_CONF } from '../support/isc/dhcpd-files.js';
import { type Sshd, startSshd } from '../support/sshd.js';
import { iscReach } from '../support/isc/isc-reach.js';
import { eventually } from '../support/eventually.js';

/**
 * A replication reads the destination with `keepForWrite` and writes to it next: the ISC driver keeps the read's
 * connection for that write. Each case counts the SSH connections the real sshd accepted and saw closed (its
 * VERBOSE log), so a reused, closed or leaked connection shows there, not in the driver's own bookkeeping.
 */
const NETWORK = '192.0.2.0';

let sshd: Sshd;
let files: DhcpdFiles;
/** Connections whose session processes a test killed (sshd logs no disconnect for them). */
const killed = new Set<string>();

beforeAll(async () => {
  sshd = await startSshd({ name: 'isc-kept' });
});
afterAll(async () => {
  await sshd?.stop();
});
beforeEach(async () => {
  files = await makeDhcpdFiles('isc-kept');
});
afterEach(async () => {
  // No case may leave a connection open behind it.
  expect(await eventually(() => open().length === 0)).toBe(true);
  await files?.cleanup();
});

function target(kind: 'ssh' | 'local' = 'ssh', connection: Record<string, unknown> = {}): ServerTarget {
  const reach = iscReach(kind, sshd);
  return {
    id: '00000000-0000-4000-8000-0000000000c1',
    name: `isc-kept-${kind}`,
    vendor: 'isc',
    address: sshd.host,
    connection: {
      ...reach,
      configPath: files.configPath,
      leasesPath: files.leasesPath,
      dhcpdPath: DHCPD_BIN,
      restartCommand: files.restartCommand,
      ...connection,
    },
    secrets: kind === 'ssh' ? { privateKey: sshd.privateKey } : {},
  };
}

/** Client ports of the connections sshd logged with `pattern`. */
function logged(pattern: RegExp): string[] {
  return [...sshd.output().matchAll(pattern)].map((match) => match[1]);
}
const accepted = (): string[] => logged(/Accepted publickey for \S+ from \S+ port (\d+)/g);
const disconnected = (): string[] => logged(/Disconnected from user \S+ \S+ port (\d+)/g);
/** Connections sshd accepted and has not seen closed. */
function open(): string[] {
  const closed = new Set([...disconnected(), ...killed]);
  return accepted().filter((port) => !closed.has(port));
}

/** The process ids under sshd's listener: the session processes of its open connections. */
async function sessionProcesses(): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (Number.isInteger(ppid)) parents.set(Number(entry), ppid);
  }
  const found: number[] = [];
  const queue = [sshd.pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [pid, ppid] of parents) {
      if (ppid === parent) {
        found.push(pid);
        queue.push(pid);
      }
    }
  }
  return found;
}

/**
 * The prepared shells under sshd's listener, waiting for their command (IscTransport.prepareCommands): without the
 * subshells their login scripts fork on the way (same command line, a prepared shell as parent).
 */
async function preparedShells(): Promise<number[]> {
  const shells = new Map<number, number>();
  for (const pid of await sessionProcesses()) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes('read -r dfm_line')) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    shells.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  return [...shells].filter(([, parent]) => !shells.has(parent)).map(([pid]) => pid);
}

/** The scope as read, with a new router: a change the write must land. */
async function changedScope(
  driver: IscDriver,
  router: string,
  kind: 'ssh' | 'local' = 'ssh',
  connection: Record<string, unknown> = {},
) {
  const scopes = await driver.readScopes(target(kind, connection), [NETWORK], { keepForWrite: true });
  const content = scopes.get(NETWORK)!;
  return {
    content: {
      ...content,
      options: content.options.map((option) => (option.code === 3 ? { ...option, value: router } : option)),
    },
    parts: ['options'] as const,
  };
}

const routerOf = async (): Promise<string | undefined> =>
  /option routers ([\d.]+);/.exec(await readFile(files.includePath, 'utf8'))?.[1];

describe('ISC driver: a kept read keeps its connection for the write', () => {
  it('the write runs over the connection the kept read was made on, and closes it', async () => {
    const driver = new IscDriver();
    const before = accepted().length;
    const write = await changedScope(driver, '192.0.2.2');
    expect(await eventually(() => open().length === 1)).toBe(true);
    await driver.writeScopes(target(), [write]);
    expect(await routerOf()).toBe('192.0.2.2');
    expect(accepted().length).toBe(before + 1);
    expect(await eventually(() => open().length === 0)).toBe(true);
    expect(await files.restarts()).toHaveLength(1);
  });

  it('an edit made since the kept read is kept: the write is redone on a fresh read over the same connection', async () => {
    const driver = new IscDriver();
    const before = accepted().length;
    const write = await changedScope(driver, '192.0.2.3');
    await writeFile(files.includePath, `${SUBNETS_CONF}# edited by hand\n`);
    await driver.writeScopes(target(), [write]);
    expect(await routerOf()).toBe('192.0.2.3');
    expect(await readFile(files.includePath, 'utf8')).toContain('# edited by hand');
    expect(accepted().length).toBe(before + 1);
  });

  it('a kept connection the server closed meanwhile does not fail the write: it runs over a new one', async () => {
    const driver = new IscDriver();
    const before = accepted().length;
    const write = await changedScope(driver, '192.0.2.4');
    expect(await eventually(() => open().length === 1)).toBe(true);
    killed.add(open()[0]);
    const sessions = await sessionProcesses();
    expect(sessions.length).toBeGreaterThan(0);
    for (const pid of sessions) process.kill(pid, 'SIGKILL');
    await driver.writeScopes(target(), [write]);
    expect(await routerOf()).toBe('192.0.2.4');
    expect(accepted().length).toBe(before + 2);
  });

  it('a kept read let go without a write closes its connection: replaced, dropped, served to another registration, released, at shutdown', async () => {
    const driver = new IscDriver();
    // Replaced by a later kept read of the same server.
    await changedScope(driver, '192.0.2.5');
    await changedScope(driver, '192.0.2.5');
    expect(await eventually(() => open().length === 1)).toBe(true);
    // Not served to a registration changed since (the write opens its own connection).
    const before = accepted().length;
    const write = await changedScope(driver, '192.0.2.6');
    await driver.writeScopes(target('ssh', { connectTimeoutMs: 6_000 }), [write]);
    expect(await routerOf()).toBe('192.0.2.6');
    expect(accepted().length).toBe(before + 2);
    expect(await eventually(() => open().length === 0)).toBe(true);
    // Dropped by a removal, which reads afresh.
    await changedScope(driver, '192.0.2.7');
    await driver.removeScope(target(), NETWORK, 'disable');
    expect(await eventually(() => open().length === 0)).toBe(true);
    // Released by the caller that will not write (a replication that found nothing to change).
    await changedScope(driver, '192.0.2.7');
    expect(await eventually(() => open().length === 1)).toBe(true);
    driver.releaseRead(target());
    expect(await eventually(() => open().length === 0)).toBe(true);
    // Let go when the application stops.
    await changedScope(driver, '192.0.2.8');
    expect(await eventually(() => open().length === 1)).toBe(true);
    await driver.onModuleDestroy();
    expect(await eventually(() => open().length === 0)).toBe(true);
  });

  it("a kept read readies the write's dhcpd -t session; the write runs dhcpd -t and the restart in it, a read let go lets it go", async () => {
    const driver = new IscDriver();
    await changedScope(driver, '192.0.2.11');
    expect(await eventually(async () => (await preparedShells()).length === 1)).toBe(true);
    driver.releaseRead(target());
    expect(await eventually(async () => (await preparedShells()).length === 0)).toBe(true);
    expect(await eventually(() => open().length === 0)).toBe(true);

    // dhcpd as registered, saying which process ran it: the prepared shell, which execs the command it is given.
    const [dhcpd, ranBy] = [path.join(files.dir, 'dhcpd-ran-by.sh'), path.join(files.dir, 'ran-by')];
    await writeFile(dhcpd, `#!/bin/sh\necho "$PPID" >> '${ranBy}'\nexec '${DHCPD_BIN}' "$@"\n`, {
      mode: 0o755,
    });
    // The restart says so too: it runs in the shell dhcpd -t ran from, kept for it.
    const connection = {
      dhcpdPath: dhcpd,
      restartCommand: `echo "$$" >> '${ranBy}'; ${files.restartCommand}`,
    };
    const write = await changedScope(driver, '192.0.2.12', 'ssh', connection);
    expect(await eventually(async () => (await preparedShells()).length === 1)).toBe(true);
    const [waiting] = await preparedShells();
    await driver.writeScopes(target('ssh', connection), [write]);
    expect(await routerOf()).toBe('192.0.2.12');
    expect(await readFile(ranBy, 'utf8')).toBe(`${waiting}\n${waiting}\n`);
    expect(await files.restarts()).toHaveLength(1);
    expect(await preparedShells()).toEqual([]);
  });

  it('a kept read that expires closes its connection', async () => {
    const kept = new KeptReads<IscConfigSession>((session) => session.close(), 100);
    kept.keep(target(), await openIscConfig(target()));
    expect(await eventually(() => open().length === 1)).toBe(true);
    expect(await eventually(() => open().length === 0)).toBe(true);
    expect(kept.take(target())).toBeUndefined();
  });

  it('the local transport keeps the read for the write the same way', async () => {
    const driver = new IscDriver();
    const write = await changedScope(driver, '192.0.2.9', 'local');
    await driver.writeScopes(target('local'), [write]);
    expect(await routerOf()).toBe('192.0.2.9');
    // A second kept read and write: the first write's session was closed, not left for this one.
    const again = await changedScope(driver, '192.0.2.10', 'local');
    await driver.writeScopes(target('local'), [again]);
    expect(await routerOf()).toBe('192.0.2.10');
    expect(await files.restarts()).toHaveLength(2);
  });
});

describe('ISC SSH connections kept idle for the next operation (ISC_SSH_IDLE_SECONDS)', () => {
  afterEach(async () => {
    iscSshPool.configure(0);
    await iscSshPool.clear();
  });

  it('an idle connection serves the next operation on the same registration; another registration gets its own', async () => {
    iscSshPool.configure(30_000);
    const driver = new IscDriver();
    const before = accepted().length;
    await driver.listScopes(target());
    await driver.listScopes(target());
    await driver.readScopes(target(), [NETWORK]);
    expect(accepted().length).toBe(before + 1);
    expect(await eventually(() => open().length === 1)).toBe(true);
    // Other connection settings are another registration: never served a connection made with the old ones.
    await driver.listScopes(target('ssh', { connectTimeoutMs: 6_000 }));
    expect(accepted().length).toBe(before + 2);
    await driver.onModuleDestroy();
    expect(await eventually(() => open().length === 0)).toBe(true);
  });

  it('an idle connection closes after the idle time', async () => {
    iscSshPool.configure(200);
    await new IscDriver().listScopes(target());
    expect(await eventually(() => open().length === 0)).toBe(true);
  });

  it('an idle connection the server closed is not lent again: the next operation connects anew', async () => {
    iscSshPool.configure(30_000);
    const driver = new IscDriver();
    const before = accepted().length;
    await driver.listScopes(target());
    expect(await eventually(() => open().length === 1)).toBe(true);
    killed.add(open()[0]);
    for (const pid of await sessionProcesses()) process.kill(pid, 'SIGKILL');
    expect((await driver.listScopes(target())).map((scope) => scope.subnet)).toContain(`${NETWORK}/24`);
    expect(accepted().length).toBe(before + 2);
  });

  it('with 0, every operation connects and nothing is kept', async () => {
    iscSshPool.configure(0);
    const driver = new IscDriver();
    const before = accepted().length;
    await driver.listScopes(target());
    await driver.listScopes(target());
    expect(accepted().length).toBe(before + 2);
    expect(await eventually(() => open().length === 0)).toBe(true);
  });
});
