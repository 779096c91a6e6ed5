import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../bench/support/kea-server.js';
import { DriverError } from '../../src/vendors/driver-error.js';
import type { ServerTarget } from '../../src/vendors/driver.js';
import {
  BACKUP_SUFFIX,
  DhcpdConfigStore,
  dhcpdConfigStoreOptionsOf,
  DhcpdRestartError,
} from '../../src/vendors/isc/dhcpd-config-store.js';
import type { IscTransport } from '../../src/vendors/isc/transport/isc-transport.js';
import { transportFor, withIscTransport } from '../../src/vendors/isc/transport/transport-factory.js';
import {
  type DhcpdFiles,
  mainConf,
  makeDhcpdFiles,
  RESTART_FAILS_MARKER,
  SUBNETS_CONF,
} from '../support/isc/dhcpd-files.js';
import { makeKeyPair, type Sshd, startSshd } from '../support/sshd.js';
import { isAlive } from '../../bench/support/process-signals.js';
import { iscReach } from '../support/isc/isc-reach.js';
import { eventually } from '../support/eventually.js';

type Kind = 'local' | 'ssh';

let sshd: Sshd;
beforeAll(async () => {
  sshd = await startSshd({ name: 'isc-transport', passwordLogin: true });
});
afterAll(async () => {
  await sshd?.stop();
});

function targetFor(
  kind: Kind,
  connection: Record<string, unknown> = {},
  secrets?: Record<string, string>,
): ServerTarget {
  const reach = iscReach(kind, sshd);
  return {
    id: '00000000-0000-4000-8000-000000000001',
    name: `isc-${kind}`,
    vendor: 'isc',
    address: sshd.host,
    connection: { ...reach, configPath: '/etc/dhcp/dhcpd.conf', ...connection },
    secrets: secrets ?? (kind === 'ssh' ? { privateKey: sshd.privateKey } : {}),
  };
}

function storeTarget(kind: Kind, files: DhcpdFiles): ServerTarget {
  return targetFor(kind, {
    configPath: files.configPath,
    leasesPath: files.leasesPath,
    dhcpdPath: '/usr/sbin/dhcpd',
    restartCommand: files.restartCommand,
  });
}

/** The DriverError `promise` rejects with (fails the test when it resolves or throws something else). */
async function driverError(promise: Promise<unknown>): Promise<DriverError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DriverError)) throw new Error(`expected a DriverError, got ${String(error)}`);
  return error;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Temporary files a write may create; none may be left behind. */
async function leftovers(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => /\.dfm-(tmp|check|restore)-/.test(name));
}

/** PIDs of `sleep <duration>` processes on this machine (read from /proc: every test server is local). */
async function sleepers(duration: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline === `sleep\0${duration}\0`) found.push(Number(entry));
  }
  return found;
}

describe.each<Kind>(['local', 'ssh'])('ISC %s transport', (kind) => {
  let work: string;
  let transport: IscTransport;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), `isc-transport-${kind}-`));
    transport = await transportFor(targetFor(kind));
  });
  afterAll(async () => {
    await transport?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('files and commands round trip', async () => {
    const file = path.join(work, 'a.txt');
    await transport.writeFile(file, 'hello\n', 0o640);
    expect(await transport.stat(file)).toMatchObject({
      size: 6,
      mode: 0o640,
      isFile: true,
      isDirectory: false,
    });
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    const read = await transport.readFile(file);
    expect(read.data.toString()).toBe('hello\n');
    expect(read.digest).toBe(`sha256:${sha256('hello\n')}`);

    // Larger than one SFTP write, with every byte value.
    const big = Buffer.concat([randomBytes(200_000), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);
    const other = path.join(work, 'b.bin');
    await transport.writeFile(other, big);
    await transport.rename(other, file);
    expect((await readFile(file)).equals(big)).toBe(true);
    expect(await transport.exists(other)).toBe(false);
    expect((await transport.readFile(file)).digest).toBe(`sha256:${sha256(big)}`);

    await transport.remove(file);
    expect(await transport.exists(file)).toBe(false);
    expect(await transport.stat(file)).toBeUndefined();
    expect((await driverError(transport.readFile(file))).code).toBe('not-found');
    expect((await driverError(transport.remove(file))).code).toBe('not-found');
    expect(await transport.stat(work)).toMatchObject({ isDirectory: true });

    expect(await transport.exec(['cat'], { stdin: 'piped in' })).toMatchObject({
      exitCode: 0,
      stdout: 'piped in',
    });
    expect(await transport.exec(['sh', '-c', 'echo out; echo err >&2; exit 3'])).toMatchObject({
      exitCode: 3,
      stdout: 'out\n',
      stderr: 'err\n',
    });
    expect(await transport.exec(['pwd'], { cwd: work })).toMatchObject({ exitCode: 0, stdout: `${work}\n` });
    expect((await transport.exec(['/nonexistent/dhcpd', '-t'])).exitCode).toBe(127);
    // A registered command line goes through the shell.
    expect(await transport.exec('echo "$((6 * 7))" | tr 4 x')).toMatchObject({ exitCode: 0, stdout: 'x2\n' });
  });

  test('digests taken after a command, in its session: its output and exit code are its own', async () => {
    const [one, two] = [path.join(work, 'one.conf'), path.join(work, "it's two.conf")];
    await writeFile(one, 'first\n');
    await writeFile(two, 'second\n');
    const digests = new Map([
      [one, `sha256:${sha256('first\n')}`],
      [two, `sha256:${sha256('second\n')}`],
    ]);
    const argv = await transport.exec(['sh', '-c', 'echo out; echo err >&2; exit 3'], {
      digestsAfter: [one, two],
    });
    expect(argv).toEqual({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', digests, signal: undefined });
    // Output without a final newline, and a command line whose own `exit` and comment cannot skip the digests.
    const line = await transport.exec('printf partial; exit 4 # a comment', { digestsAfter: [one, two] });
    expect(line).toMatchObject({ exitCode: 4, stdout: 'partial', digests });
    // Taken after the command: what it wrote is what they tell.
    const edited = await transport.exec(['sh', '-c', `echo changed > '${one}'`], { digestsAfter: [one] });
    expect(edited.digests).toEqual(new Map([[one, `sha256:${sha256('changed\n')}`]]));
    // A file that cannot be digested so leaves none taken: the caller reads what it needs.
    const missing = await transport.exec(['true'], { digestsAfter: [one, path.join(work, 'absent.conf')] });
    expect(missing).toMatchObject({ exitCode: 0, stdout: '' });
    expect(missing.digests?.get(path.join(work, 'absent.conf'))).toBeUndefined();
    if (kind === 'ssh') expect(missing.digests).toEqual(new Map());
    await Promise.all([one, two].map((file) => rm(file)));
  });

  test('a held session runs one more command line in the same shell, with its own output and exit code', async () => {
    const file = path.join(work, 'held.conf');
    await writeFile(file, 'held\n');
    const first = await transport.exec(['sh', '-c', 'echo "$PPID"; echo err >&2; exit 3'], {
      hold: true,
      digestsAfter: [file],
    });
    expect(first).toMatchObject({ exitCode: 3, stderr: 'err\n' });
    expect(first.digests).toEqual(new Map([[file, `sha256:${sha256('held\n')}`]]));
    const shell = first.stdout.trim();
    const home = (await transport.exec(['pwd'])).stdout;
    const second = await first.held!.exec('echo "$$"; pwd; echo e2 >&2; exit 5 # a comment');
    expect(second).toMatchObject({ exitCode: 5, stderr: 'e2\n' });
    // Over SSH the same shell ran both (the second replaced it); both run where a fresh session would.
    const [pid, cwd] = second.stdout.split('\n');
    if (kind === 'ssh') expect(pid).toBe(shell);
    expect(`${cwd}\n`).toBe(home);
    await expect(first.held!.exec('true')).rejects.toThrow(/already used/);
    first.held!.release();
    await rm(file);
  });

  test('a held session let go runs nothing more; one past its timeout is killed', async () => {
    const released = await transport.exec(['sh', '-c', 'echo "$PPID"'], { hold: true });
    const shell = Number(released.stdout.trim());
    released.held!.release();
    if (kind === 'ssh') expect(await eventually(() => !isAlive(shell))).toBe(true);
    const slow = await transport.exec(['true'], { hold: true });
    const error = await driverError(slow.held!.exec('sleep 37', { timeoutMs: 500 }));
    expect(error.code).toBe('unreachable');
    expect(await eventually(async () => (await sleepers('37')).length === 0)).toBe(true);
    // The transport still serves.
    expect((await transport.exec(['true'])).exitCode).toBe(0);
    if (kind === 'ssh') {
      // A held shell that is gone by the next command: the command runs all the same, once, in a fresh session.
      const gone = await transport.exec(['sh', '-c', 'echo "$PPID"'], { hold: true });
      process.kill(Number(gone.stdout.trim()), 'SIGKILL');
      expect(await gone.held!.exec('echo ran; exit 4')).toMatchObject({ exitCode: 4, stdout: 'ran\n' });
    }
  });

  test('hostile paths and arguments arrive as text, never as shell syntax', async () => {
    const canary = path.join(work, 'pwned');
    const hostile = [
      `'; touch ${canary}; '`,
      `x'; rm -rf / #`,
      `$(touch ${canary})`,
      `\`touch ${canary}\``,
      `"; touch ${canary}; "`,
      `a b\nc\td`,
      "it's",
      '\\',
      '',
      '--',
      '*',
      '~',
      '$HOME',
      '&& touch x || ; | > < &',
    ];
    for (const word of hostile) {
      expect(await transport.exec(['printf', '%s', word])).toMatchObject({ exitCode: 0, stdout: word });
    }
    expect((await transport.exec(['printf', '%s|', ...hostile])).stdout).toBe(
      hostile.map((w) => `${w}|`).join(''),
    );

    const name = path.join(work, `we'ird; rm -rf . $(touch ${path.basename(canary)}) "q".conf`);
    const renamed = path.join(work, `it's $HOME \`id\`.conf`);
    await transport.writeFile(name, 'content\n');
    expect((await transport.exec(['cat', '--', name])).stdout).toBe('content\n');
    await transport.rename(name, renamed);
    expect(await transport.exists(renamed)).toBe(true);
    expect(await readFile(renamed, 'utf8')).toBe('content\n');
    expect((await transport.exec(['ls'], { cwd: work })).stdout).toContain("it's $HOME `id`.conf");
    await transport.remove(renamed);
    expect(existsSync(canary)).toBe(false);
    expect(await readdir(work)).toEqual([]);
  });

  test('a command past its timeout is killed, and the transport stays usable', async () => {
    const pidFile = path.join(work, 'sleeper.pid');
    // A duration no other process sleeps for: the sleeper is found by it even when it never wrote its PID.
    const duration = `60.${randomBytes(3).readUIntBE(0, 3)}`;
    // Long enough for the remote session to start on a loaded machine (a root login's shell may source a heavy
    // ~/.bashrc first, seen here at 1-3 s), so that the command has usually written its PID before it is killed.
    const error = await driverError(
      transport.exec(['sh', '-c', 'echo $$ > "$1"; exec sleep "$2"', 'sh', pidFile, duration], {
        timeoutMs: 8_000,
      }),
    );
    expect(error.code).toBe('unreachable');
    expect(error.message).toMatch(/did not finish within 8000 ms and was killed/);
    // Killed, or (on a machine loaded past the timeout) never started: either way no sleeper is left.
    expect(await eventually(async () => (await sleepers(duration)).length === 0)).toBe(true);
    if (existsSync(pidFile)) {
      // Gone once its parent reaped it (a zombie has no command line, but its PID still answers).
      const pid = Number((await readFile(pidFile, 'utf8')).trim());
      expect(await eventually(() => !isAlive(pid))).toBe(true);
    }
    expect(await transport.exec(['true'])).toMatchObject({ exitCode: 0 });
    await rm(pidFile, { force: true });
  });

  describe('dhcpd config store', () => {
    let files: DhcpdFiles;
    beforeEach(async () => {
      files = await makeDhcpdFiles(kind);
    });
    afterEach(async () => {
      await files?.cleanup();
    });

    const withStore = <T>(run: (store: DhcpdConfigStore) => Promise<T>): Promise<T> => {
      const target = storeTarget(kind, files);
      return withIscTransport(target, (t) => run(new DhcpdConfigStore(t, dhcpdConfigStoreOptionsOf(target))));
    };

    test('a valid change lands by rename with a backup, and the restart runs', async () => {
      const main = mainConf(files.includePath);
      const inode = (await stat(files.includePath)).ino;
      const added = `${SUBNETS_CONF}\nsubnet 198.51.100.0 netmask 255.255.255.0 {\n}\n`;
      const result = await withStore(async (store) => {
        const snapshot = await store.read([files.includePath]);
        expect([...snapshot.files.keys()]).toEqual([files.configPath, files.includePath]);
        expect(snapshot.files.get(files.configPath)?.text).toBe(main);
        expect(snapshot.files.get(files.includePath)?.text).toBe(SUBNETS_CONF);
        const written = await store.write(new Map([[files.includePath, added]]), snapshot.digests);
        expect(written.before).toBe(snapshot.digest);
        expect(written.after).toBe((await store.read([files.includePath])).digest);
        return written;
      });
      expect(await readFile(files.includePath, 'utf8')).toBe(added);
      expect(await readFile(files.includePath + BACKUP_SUFFIX, 'utf8')).toBe(SUBNETS_CONF);
      expect((await stat(files.includePath)).ino).not.toBe(inode);
      expect(await readFile(files.configPath, 'utf8')).toBe(main);
      expect(existsSync(files.configPath + BACKUP_SUFFIX)).toBe(false);
      expect(result.written).toEqual([
        {
          path: files.includePath,
          before: `sha256:${sha256(SUBNETS_CONF)}`,
          after: `sha256:${sha256(added)}`,
          backupPath: files.includePath + BACKUP_SUFFIX,
        },
      ]);
      expect(result.before).not.toBe(result.after);
      expect(result.restart).toMatchObject({ ok: true, exitCode: 0, output: 'restarted' });
      expect(await files.restarts()).toEqual([`ok ${sha256(main)}`]);
      expect(await leftovers(files.dir)).toEqual([]);

      // The main file alone: validated in place of the live one, backed up, replaced.
      const longer = main.replace('default-lease-time 600;', 'default-lease-time 900;');
      await withStore(async (store) => {
        const snapshot = await store.read();
        await store.write(new Map([[files.configPath, longer]]), snapshot.digests);
      });
      expect(await readFile(files.configPath, 'utf8')).toBe(longer);
      expect(await readFile(files.configPath + BACKUP_SUFFIX, 'utf8')).toBe(main);
      expect(await files.restarts()).toEqual([`ok ${sha256(main)}`, `ok ${sha256(longer)}`]);
      expect(await leftovers(files.dir)).toEqual([]);
    });

    test('a change dhcpd -t rejects is refused with dhcpd’s own message; nothing live changes', async () => {
      // In an included file: the check must read the staged include, not the live one.
      const broken = SUBNETS_CONF.replace('option routers 192.0.2.1;', 'option routers 192.0.2.1');
      const includeError = await withStore(async (store) => {
        const snapshot = await store.read([files.includePath]);
        return driverError(store.write(new Map([[files.includePath, broken]]), snapshot.digests));
      });
      expect(includeError.code).toBe('invalid-config');
      expect(includeError.message).toMatch(/^dhcpd -t rejected the configuration: /);
      expect(includeError.vendorMessage).toContain(`${files.includePath} line`);
      expect(includeError.vendorMessage).toContain('semicolon expected');
      expect(includeError.vendorMessage).not.toMatch(/dfm-(tmp|check)|Internet Systems Consortium/);

      // In the main file: one of the errors the issue lists.
      const main = mainConf(files.includePath);
      const unknownPeer = `${main}\nsubnet 10.0.0.0 netmask 255.255.255.0 {\n  pool {\n    failover peer "nope";\n    range 10.0.0.10 10.0.0.20;\n  }\n}\n`;
      const mainError = await withStore(async (store) => {
        const snapshot = await store.read();
        return driverError(store.write(new Map([[files.configPath, unknownPeer]]), snapshot.digests));
      });
      expect(mainError.code).toBe('invalid-config');
      expect(mainError.vendorMessage).toContain(`${files.configPath} line`);
      expect(mainError.vendorMessage).toContain('failover peer nope: not found');

      expect(await readFile(files.configPath, 'utf8')).toBe(main);
      expect(await readFile(files.includePath, 'utf8')).toBe(SUBNETS_CONF);
      expect(existsSync(files.configPath + BACKUP_SUFFIX)).toBe(false);
      expect(existsSync(files.includePath + BACKUP_SUFFIX)).toBe(false);
      expect(await files.restarts()).toEqual([]);
      expect(await leftovers(files.dir)).toEqual([]);
    });

    test('a file changed on the server after our read is a conflict, and the other edit stays', async () => {
      const theirs = `${SUBNETS_CONF}# edited by hand on the server\n`;
      const mine = `${SUBNETS_CONF}subnet 203.0.113.0 netmask 255.255.255.0 {\n}\n`;
      const error = await withStore(async (store) => {
        const snapshot = await store.read([files.includePath]);
        await writeFile(files.includePath, theirs);
        return driverError(store.write(new Map([[files.includePath, mine]]), snapshot.digests));
      });
      expect(error.code).toBe('conflict');
      expect(error.message).toContain(files.includePath);
      expect(await readFile(files.includePath, 'utf8')).toBe(theirs);

      // A file we read but do not change is held to its digest too: our change was made against it.
      const mainError = await withStore(async (store) => {
        const snapshot = await store.read([files.includePath]);
        await appendFile(files.configPath, '# another hand edit\n');
        return driverError(store.write(new Map([[files.includePath, mine]]), snapshot.digests));
      });
      expect(mainError.code).toBe('conflict');
      expect(await readFile(files.includePath, 'utf8')).toBe(theirs);

      expect(existsSync(files.includePath + BACKUP_SUFFIX)).toBe(false);
      expect(await files.restarts()).toEqual([]);
      expect(await leftovers(files.dir)).toEqual([]);
    });

    test('an edit made on the server while dhcpd -t runs is detected before the rename', async () => {
      const theirs = `${mainConf(files.includePath)}# edited during validation\n`;
      const mine = mainConf(files.includePath).replace('max-lease-time 7200;', 'max-lease-time 3600;');
      // dhcpd as registered: the real one, and an administrator's edit of the live file while it checks ours.
      const [dhcpd, edit] = [path.join(files.dir, 'dhcpd-and-an-edit.sh'), path.join(files.dir, 'theirs')];
      await writeFile(edit, theirs);
      await writeFile(
        dhcpd,
        `#!/bin/sh\n/usr/sbin/dhcpd "$@"; rc=$?\ncat '${edit}' > '${files.configPath}'\nexit $rc\n`,
        {
          mode: 0o755,
        },
      );
      const target = storeTarget(kind, files);
      const error = await withIscTransport(target, (transport) => {
        const store = new DhcpdConfigStore(transport, {
          ...dhcpdConfigStoreOptionsOf(target),
          dhcpdPath: dhcpd,
        });
        return store
          .read()
          .then((snapshot) =>
            driverError(store.write(new Map([[files.configPath, mine]]), snapshot.digests)),
          );
      });
      expect(error.code).toBe('conflict');
      expect(await readFile(files.configPath, 'utf8')).toBe(theirs);
      expect(existsSync(files.configPath + BACKUP_SUFFIX)).toBe(false);
      expect(await files.restarts()).toEqual([]);
      expect(await leftovers(files.dir)).toEqual([]);
    });

    test('an edit made while the commit waits (beforeCommit) is caught by a look taken after it', async () => {
      const theirs = `${mainConf(files.includePath)}# edited while the job saved its record\n`;
      const mine = mainConf(files.includePath).replace('max-lease-time 7200;', 'max-lease-time 3600;');
      const error = await withStore(async (store) => {
        const snapshot = await store.read();
        return driverError(
          store.write(new Map([[files.configPath, mine]]), snapshot.digests, {
            read: snapshot.files,
            // Still running when dhcpd -t is done: the digests taken then are too old to stand for the last look.
            beforeCommit: () => writeFile(files.configPath, theirs),
          }),
        );
      });
      expect(error.code).toBe('conflict');
      expect(await readFile(files.configPath, 'utf8')).toBe(theirs);
      expect(await files.restarts()).toEqual([]);
      expect(await leftovers(files.dir)).toEqual([]);
    });

    test('the last look asks the host for digests and transfers no file it read', async () => {
      const mine = mainConf(files.includePath).replace('max-lease-time 7200;', 'max-lease-time 3600;');
      const target = storeTarget(kind, files);
      const seen: { reads: string[]; commands: string[] } = { reads: [], commands: [] };
      await withIscTransport(target, async (real) => {
        const counting: IscTransport = Object.create(real) as IscTransport;
        counting.readFile = (file) => {
          seen.reads.push(file);
          return real.readFile(file);
        };
        counting.exec = (command, options) => {
          seen.commands.push(Array.isArray(command) ? String(command[0]) : 'restart');
          return real.exec(command, options);
        };
        const store = new DhcpdConfigStore(counting, dhcpdConfigStoreOptionsOf(target));
        const snapshot = await store.read();
        seen.reads = [];
        await store.write(new Map([[files.configPath, mine]]), snapshot.digests, { read: snapshot.files });
      });
      expect(await readFile(files.configPath, 'utf8')).toBe(mine);
      // The store asked the host's digest (run by the transport itself) instead of reading the file back, and ran
      // the restart in dhcpd -t's session (ExecOptions.hold), not in one of its own.
      if (kind === 'ssh') expect(seen.reads).toEqual([]);
      expect(seen.commands).toEqual(['/usr/sbin/dhcpd']);
      expect(await files.restarts()).toHaveLength(1);
      expect(await leftovers(files.dir)).toEqual([]);
    });

    test('a host without sha256sum: the last look reads the files, and still catches an edit', async () => {
      const theirs = `${mainConf(files.includePath)}# edited during validation\n`;
      const mine = mainConf(files.includePath).replace('max-lease-time 7200;', 'max-lease-time 3600;');
      const target = storeTarget(kind, files);
      const write = (editDuringCheck: boolean): Promise<unknown> =>
        withIscTransport(target, async (real) => {
          const bare: IscTransport = Object.create(real) as IscTransport;
          bare.exec = async (command, options) => {
            if (Array.isArray(command) && command[0] === 'sha256sum') {
              return { exitCode: 127, stdout: '', stderr: 'sh: 1: sha256sum: not found' };
            }
            // Nor after dhcpd -t in its session.
            const result = await real.exec(command, options && { ...options, digestsAfter: [] });
            if (editDuringCheck && Array.isArray(command) && command.includes('-t')) {
              await writeFile(files.configPath, theirs);
            }
            return result;
          };
          const store = new DhcpdConfigStore(bare, dhcpdConfigStoreOptionsOf(target));
          const snapshot = await store.read();
          return store.write(new Map([[files.configPath, mine]]), snapshot.digests, { read: snapshot.files });
        });
      const error = await driverError(write(true));
      expect(error.code).toBe('conflict');
      expect(await readFile(files.configPath, 'utf8')).toBe(theirs);
      expect(await files.restarts()).toEqual([]);

      await writeFile(files.configPath, mainConf(files.includePath));
      await write(false);
      expect(await readFile(files.configPath, 'utf8')).toBe(mine);
      expect(await leftovers(files.dir)).toEqual([]);
    });

    test('a failing restart puts the backup back, restarts again and reports both', async () => {
      const main = mainConf(files.includePath);
      const failing = `${main}${RESTART_FAILS_MARKER}\n`;
      const error = await withStore(async (store) => {
        const snapshot = await store.read();
        return driverError(store.write(new Map([[files.configPath, failing]]), snapshot.digests));
      });
      expect(error).toBeInstanceOf(DhcpdRestartError);
      const restartError = error as DhcpdRestartError;
      expect(restartError.code).toBe('invalid-config');
      expect(restartError.restored).toBe(true);
      expect(restartError.restart).toMatchObject({ ok: false, exitCode: 1 });
      expect(restartError.restartAfterRestore).toMatchObject({ ok: true, exitCode: 0 });
      expect(restartError.message).toMatch(
        /restart after the change failed \(exit code 1: .*simulated start failure.*\); the previous configuration was restored .*restart after restoring succeeded/,
      );
      expect(restartError.vendorMessage).toMatch(/restart: .*exit code 1\n.*simulated start failure/);
      expect(restartError.vendorMessage).toMatch(/restart after restore: .*exit code 0/);
      expect(await readFile(files.configPath, 'utf8')).toBe(main);
      expect(await files.restarts()).toEqual([`fail ${sha256(failing)}`, `ok ${sha256(main)}`]);
      expect(await leftovers(files.dir)).toEqual([]);
    });

    test('when the restart after restoring fails too, both failures are reported', async () => {
      await files.failAllRestarts();
      const main = mainConf(files.includePath);
      const changed = main.replace('default-lease-time 600;', 'default-lease-time 1200;');
      const error = (await withStore(async (store) => {
        const snapshot = await store.read();
        return driverError(store.write(new Map([[files.configPath, changed]]), snapshot.digests));
      })) as DhcpdRestartError;
      expect(error).toBeInstanceOf(DhcpdRestartError);
      expect(error.restartAfterRestore).toMatchObject({ ok: false, exitCode: 1 });
      expect(error.message).toMatch(/restart after restoring failed too .*dhcpd may not be running/);
      expect(await readFile(files.configPath, 'utf8')).toBe(main);
      expect(await files.restarts()).toEqual([`fail ${sha256(changed)}`, `fail ${sha256(main)}`]);
      expect(await leftovers(files.dir)).toEqual([]);
    });
  });
});

describe('ISC ssh transport: refused and unreachable', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'isc-ssh-keys-'));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('a host presenting another key than the pinned one is refused, naming both fingerprints', async () => {
    const pinned = sshd.userKeyFingerprint;
    const error = await driverError(transportFor(targetFor('ssh', { hostKeyFingerprint: pinned })));
    expect(error.code).toBe('auth');
    expect(error.message).toContain(`pinned ${pinned}`);
    expect(error.message).toContain(`presented ${sshd.hostKeyFingerprint}`);
  });

  test('without a pinned host key the connection is refused, naming the key presented', async () => {
    const error = await driverError(transportFor(targetFor('ssh', { hostKeyFingerprint: undefined })));
    expect(error.code).toBe('auth');
    expect(error.message).toContain(sshd.hostKeyFingerprint);
  });

  test('credentials the server refuses are auth errors', async () => {
    const stranger = await makeKeyPair(work, 'stranger');
    const unknownKey = await driverError(
      transportFor(targetFor('ssh', {}, { privateKey: stranger.privateKey })),
    );
    expect(unknownKey.code).toBe('auth');
    expect(unknownKey.message).toMatch(/authentication refused \(private key\)/);

    // No password is set for root, so any password is refused; the password method itself is offered.
    const password = await driverError(transportFor(targetFor('ssh', {}, { password: 'not-the-password' })));
    expect(password.code).toBe('auth');
    expect(password.message).toMatch(/authentication refused \(password\)/);
  });

  test('a key with a passphrase works with it and is refused without it', async () => {
    const locked = await makeKeyPair(work, 'locked', 'correct horse');
    await appendFile(path.join(sshd.dir, 'authorized_keys'), locked.publicKey);
    const withPassphrase = targetFor(
      'ssh',
      {},
      { privateKey: locked.privateKey, privateKeyPassphrase: 'correct horse' },
    );
    expect(await withIscTransport(withPassphrase, (t) => t.exec(['true']))).toMatchObject({ exitCode: 0 });
    const error = await driverError(transportFor(targetFor('ssh', {}, { privateKey: locked.privateKey })));
    expect(error.code).toBe('auth');
    expect(error.message).toMatch(/private key cannot be used/);
  });

  test('a port where nothing listens is unreachable', async () => {
    const port = await freePort(sshd.host);
    const error = await driverError(transportFor(targetFor('ssh', { port, connectTimeoutMs: 3_000 })));
    expect(error.code).toBe('unreachable');
    expect(error.retryable).toBe(true);
  });

  test('a server that accepts TCP but never speaks SSH is unreachable after the connect timeout', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, sshd.host, resolve));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const error = await driverError(transportFor(targetFor('ssh', { port, connectTimeoutMs: 1_000 })));
      expect(error.code).toBe('unreachable');
      expect(error.message).toMatch(/no SSH handshake within 1000 ms/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('ISC ssh transport: sessions prepared ahead of their command', () => {
  /**
   * PIDs of the prepared shells on this machine (the test's sshd runs here): the shells whose command line is the
   * prepared one, without the subshells their login scripts fork on the way (same command line, a shell as parent).
   */
  async function waitingShells(): Promise<number[]> {
    const shells = new Map<number, number>();
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      if (!cmdline.includes('read -r dfm_line')) continue;
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
      shells.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    }
    return [...shells].filter(([, parent]) => !shells.has(parent)).map(([pid]) => pid);
  }

  test('a prepared session runs the next command in its already started shell; one not used exits', async () => {
    await withIscTransport(targetFor('ssh'), async (transport) => {
      transport.prepareCommands(2);
      expect(await eventually(async () => (await waitingShells()).length === 2)).toBe(true);
      const waiting = await waitingShells();
      // A command line: /bin/sh runs it in the process that was the waiting shell (exec keeps the PID).
      const result = await transport.exec('echo "$$"; echo to-stderr >&2; exit 3');
      // The command replaced a shell that was waiting before exec was called.
      expect(waiting).toContain(Number(result.stdout.trim()));
      expect(result.exitCode).toBe(3);
      expect(result.stderr).toBe('to-stderr\n');
      transport.releasePreparedCommands();
      expect(await eventually(async () => (await waitingShells()).length === 0)).toBe(true);
    });
  });

  test('a prepared shell that ended before its command leaves the command to a fresh session', async () => {
    await withIscTransport(targetFor('ssh'), async (transport) => {
      transport.prepareCommands(1);
      expect(await eventually(async () => (await waitingShells()).length === 1)).toBe(true);
      const [waiting] = await waitingShells();
      // Killed just before exec, too soon for the transport to have heard of it: the command line goes to a shell
      // that is gone, which never announces itself.
      process.kill(waiting, 'SIGKILL');
      const result = await transport.exec('echo "$$"; echo ran');
      expect(isAlive(waiting)).toBe(false);
      expect(result.exitCode).toBe(0);
      const [pid, ran] = result.stdout.trim().split('\n');
      expect(Number(pid)).not.toBe(waiting);
      expect(ran).toBe('ran');
    });
  });

  test('a command over several lines, and one with input, still run as given', async () => {
    await withIscTransport(targetFor('ssh'), async (transport) => {
      transport.prepareCommands(2);
      const lines = await transport.exec('echo one\necho two');
      expect(lines.stdout).toBe('one\ntwo\n');
      const input = await transport.exec(['cat'], { stdin: 'given on stdin\n' });
      expect(input.stdout).toBe('given on stdin\n');
      transport.releasePreparedCommands();
      expect(await eventually(async () => (await waitingShells()).length === 0)).toBe(true);
    });
  });
});
