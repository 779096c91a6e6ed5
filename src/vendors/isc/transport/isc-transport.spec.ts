import fc from 'fast-check';
import { dhcpdDiagnostics } from '../dhcpd-validation.js';
import { fingerprintMatches, sshFingerprint } from '../../ssh/host-key.js';
import { iscTransportSettingsOf } from './isc-transport-settings.js';
import { shellCommandLine, shellQuote } from './isc-transport.js';

/** What a POSIX shell makes of a sequence of single-quoted parts and `\'`: the inverse of shellQuote. */
function unquote(quoted: string): string {
  let out = '';
  for (let i = 0; i < quoted.length;) {
    if (quoted[i] === "'") {
      const end = quoted.indexOf("'", i + 1);
      if (end === -1) throw new Error(`unterminated quote in ${quoted}`);
      out += quoted.slice(i + 1, end);
      i = end + 1;
    } else if (quoted.startsWith("\\'", i)) {
      out += "'";
      i += 2;
    } else {
      throw new Error(`unquoted ${JSON.stringify(quoted[i])} in ${quoted}`);
    }
  }
  return out;
}

describe('shellQuote', () => {
  it('leaves nothing for the shell to interpret', () => {
    expect(shellQuote(`x'; rm -rf /`)).toBe(`'x'\\''; rm -rf /'`);
    expect(shellQuote('')).toBe(`''`);
    expect(shellCommandLine(['dhcpd', '-t', '-cf', '/etc/dhcp/a b.conf'])).toBe(
      `'dhcpd' '-t' '-cf' '/etc/dhcp/a b.conf'`,
    );
    expect(() => shellQuote('a\0b')).toThrow(TypeError);
  });

  it('round-trips every string without NUL (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0')),
        (word) => {
          expect(unquote(shellQuote(word))).toBe(word);
        },
      ),
    );
  });
});

describe('host key fingerprints', () => {
  const blob = Buffer.from('ssh-ed25519 test key blob');
  const fingerprint = sshFingerprint(blob);

  it('prints SHA256 base64 without padding, as ssh-keygen -lf does', () => {
    expect(fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('matches only the same key, with or without padding', () => {
    expect(fingerprintMatches(fingerprint, fingerprint)).toBe(true);
    expect(fingerprintMatches(`${fingerprint}=`, fingerprint)).toBe(true);
    expect(fingerprintMatches(fingerprint, sshFingerprint(Buffer.from('another key')))).toBe(false);
    expect(fingerprintMatches('SHA256:short', fingerprint)).toBe(false);
    expect(fingerprintMatches(fingerprint.replace('SHA256', 'MD5'), fingerprint)).toBe(false);
  });
});

describe('transport settings', () => {
  const target = (connection: Record<string, unknown>, secrets: Record<string, string> = {}) => ({
    id: 'id',
    name: 'dhcp1',
    vendor: 'isc' as const,
    address: '192.0.2.5',
    connection,
    secrets,
  });

  it('reads ssh settings with defaults from the registration', () => {
    expect(
      iscTransportSettingsOf(
        target({ transport: 'ssh', hostKeyFingerprint: 'SHA256:x' }, { privateKey: 'k' }),
      ),
    ).toMatchObject({
      transport: 'ssh',
      host: '192.0.2.5',
      port: 22,
      username: 'root',
      privateKey: 'k',
      hostKeyFingerprint: 'SHA256:x',
    });
    expect(iscTransportSettingsOf(target({ transport: 'local' }))).toMatchObject({ transport: 'local' });
  });
});

describe('dhcpdDiagnostics', () => {
  it('keeps dhcpd’s error lines, drops its banner and bug-report text, names live files', () => {
    const stderr = [
      'Internet Systems Consortium DHCP Server 4.4.3-P1',
      'Copyright 2004-2022 Internet Systems Consortium.',
      'All rights reserved.',
      'For info, please visit https://www.isc.org/software/dhcp/',
      '/etc/dhcp/dhcpd.conf.dfm-tmp-abc line 2: semicolon expected.',
      '  foo bar;',
      '       ^',
      'Configuration file errors encountered -- exiting',
      '',
      'If you think you have received this message due to a bug rather',
      'than a configuration issue please read the section on submitting',
      'exiting.',
    ].join('\n');
    const text = dhcpdDiagnostics(
      { exitCode: 1, stdout: '', stderr },
      new Map([['/etc/dhcp/dhcpd.conf.dfm-tmp-abc', '/etc/dhcp/dhcpd.conf']]),
    );
    expect(text).toBe(
      [
        '/etc/dhcp/dhcpd.conf line 2: semicolon expected.',
        '  foo bar;',
        '       ^',
        'Configuration file errors encountered -- exiting',
      ].join('\n'),
    );
  });
});
