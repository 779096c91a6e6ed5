/**
 * ISC dhcpd servers for one protocol test file, reached the way production reaches them: a real sshd (one per file,
 * stopped by PID) in front of per-server temp directories holding dhcpd.conf, an included file, a leases file and a
 * restart command that runs the real `dhcpd -t` (see dhcpd-files.ts). Servers are registered through the API with
 * transport `ssh` (the sshd's address, port, user, private key and pinned host key) or `local`.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { DataSource } from 'typeorm';
import { RelationshipEntity } from '../../../src/relationships/relationship.entity.js';
import { uniqueName } from '../fixtures.js';
import { startSshd, type Sshd } from '../sshd.js';
import { bearer, startTestApp, type TestApp } from '../test-app.js';
import { DHCPD_BIN, type DhcpdFiles, makeDhcpdFiles } from './dhcpd-files.js';

export interface IscServerFiles extends DhcpdFiles {
  name: string;
  /** What the registration names as dhcpdPath: the real binary, or a wrapper around it (see `midWriteEdits`). */
  dhcpdPath: string;
  /** dhcpd.conf's text now. */
  main(): Promise<string>;
  /** The included file's text now. */
  include(): Promise<string>;
  /**
   * The next `dhcpd -t` run (the check of a write) first appends `text` to dhcpd.conf, as an administrator editing
   * the file while we validate would. Needs `midWriteEdits`.
   */
  editDuringNextCheck(text: string): Promise<void>;
  /** Temporary or check files a write left behind (none may be). */
  leftovers(): Promise<string[]>;
}

export interface IscServerSpec {
  /** dhcpd.conf, given the absolute path of the included file. */
  main: (includePath: string) => string;
  /** The included file. */
  include: string;
  /** Register a dhcpd wrapper that can edit dhcpd.conf during the write's check (for race tests). */
  midWriteEdits?: boolean;
}

export type IscTransportKind = 'ssh' | 'local';

/**
 * A test app and an ISC estate (its sshd) for a describe block's beforeAll; a failure to start the sshd closes the
 * app again. stopIscEstate undoes it in the afterAll, whatever was started.
 */
export async function startIscEstate(
  options?: Parameters<typeof startTestApp>[0],
): Promise<{ t: TestApp; isc: IscEstate }> {
  const t = await startTestApp(options);
  const isc = new IscEstate(t);
  try {
    await isc.start();
  } catch (error) {
    await t.close();
    throw error;
  }
  return { t, isc };
}

export async function stopIscEstate(t: TestApp | undefined, isc: IscEstate | undefined): Promise<void> {
  await isc?.stopAll();
  await t?.close();
}

export class IscEstate {
  private sshdProcess?: Sshd;
  private readonly made: DhcpdFiles[] = [];

  constructor(private readonly t: TestApp) {}

  get sshd(): Sshd {
    if (!this.sshdProcess) throw new Error('IscEstate.start() first');
    return this.sshdProcess;
  }

  /** Starts the file's sshd. */
  async start(): Promise<void> {
    this.sshdProcess = await startSshd({ name: 'isc-estate' });
  }

  /** A server's files in a temp directory of its own. */
  async files(spec: IscServerSpec): Promise<IscServerFiles> {
    const name = uniqueName('isc');
    const base = await makeDhcpdFiles(name);
    this.made.push(base);
    await writeFile(base.configPath, spec.main(base.includePath));
    await writeFile(base.includePath, spec.include);
    let dhcpdPath = DHCPD_BIN;
    const editFile = `${base.dir}/edit-during-check`;
    if (spec.midWriteEdits) {
      dhcpdPath = `${base.dir}/dhcpd-wrapper.sh`;
      await writeFile(
        dhcpdPath,
        [
          '#!/bin/sh',
          `if [ "$1" = "-t" ] && [ -e '${editFile}' ]; then`,
          `  cat '${editFile}' >> '${base.configPath}'`,
          `  rm -f '${editFile}'`,
          'fi',
          `exec '${DHCPD_BIN}' "$@"`,
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
    }
    const files: IscServerFiles = {
      ...base,
      name,
      dhcpdPath,
      main: () => readFile(base.configPath, 'utf8'),
      include: () => readFile(base.includePath, 'utf8'),
      editDuringNextCheck: async (text) => {
        if (!spec.midWriteEdits) throw new Error('this server was made without midWriteEdits');
        await writeFile(editFile, text);
      },
      leftovers: async () =>
        (await readdir(base.dir)).filter((entry) => /\.dfm-(tmp|check|restore)-/.test(entry)),
    };
    return files;
  }

  /** The registration body of `files` over `transport` (`connection` overrides). */
  body(
    files: IscServerFiles,
    transport: IscTransportKind,
    connection: Record<string, unknown> = {},
  ): Record<string, unknown> {
    const paths = {
      configPath: files.configPath,
      leasesPath: files.leasesPath,
      dhcpdPath: files.dhcpdPath,
      restartCommand: files.restartCommand,
    };
    const reach =
      transport === 'local'
        ? { transport: 'local' }
        : {
            transport: 'ssh',
            host: this.sshd.host,
            port: this.sshd.port,
            username: this.sshd.user,
            privateKey: this.sshd.privateKey,
            hostKeyFingerprint: this.sshd.hostKeyFingerprint,
          };
    return {
      name: `${files.name}-${transport}-${uniqueName('r')}`,
      vendor: 'isc',
      address: transport === 'local' ? '127.0.0.1' : this.sshd.host,
      connection: { ...reach, ...paths, ...connection },
    };
  }

  /** Registers `files` through the API; returns the server id. */
  async register(
    files: IscServerFiles,
    transport: IscTransportKind = 'ssh',
    connection: Record<string, unknown> = {},
  ): Promise<string> {
    const response = await this.t.http
      .post('/api/v1/servers')
      .set(bearer(this.t.adminKey))
      .send(this.body(files, transport, connection))
      .expect(201);
    return response.body.id as string;
  }

  /**
   * A managed ISC relationship row for two registered servers, recorded without writing any peer (for tests whose
   * servers already declare theirs): the primary and the secondary with the peer name each side declares.
   */
  async relationship(
    primary: { serverId: string; peerName: string },
    secondary: { serverId: string; peerName: string },
  ): Promise<string> {
    const saved = await this.t.app
      .get(DataSource)
      .getRepository(RelationshipEntity)
      .save({
        name: uniqueName('isc-rel'),
        vendor: 'isc',
        mode: 'load-balancing',
        settings: {},
        status: 'normal',
        statusCheckedAt: null,
        discovered: false,
        servers: [
          { ...primary, role: 'primary', position: 0, settings: {} },
          { ...secondary, role: 'secondary', position: 1, settings: {} },
        ],
      });
    return saved.id;
  }

  /** Stops the sshd (by PID) and removes every server's directory. */
  async stopAll(): Promise<void> {
    await this.sshdProcess?.stop();
    await Promise.all(this.made.map((files) => files.cleanup()));
  }
}
