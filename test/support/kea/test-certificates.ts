import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  ca: string;
  agent: { cert: string; key: string };
  client: { cert: string; key: string };
}

/** A throw-away CA, an agent certificate for `host` (IP SAN) and a client certificate, made with openssl. */
export function makeTestCertificates(host: string): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'dfm-certs-'));
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 30_000 });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    openssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '1',
      '-subj',
      '/CN=dfm-test-ca',
    );
    for (const [name, subject, extensions] of [
      ['agent', `/CN=${host}`, `subjectAltName=IP:${host}\nextendedKeyUsage=serverAuth\n`],
      ['client', '/CN=dfm-client', 'extendedKeyUsage=clientAuth\n'],
    ] as const) {
      writeFileSync(join(dir, `${name}.ext`), extensions);
      openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
      openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.pem`,
        '-days',
        '1',
        '-extfile',
        `${name}.ext`,
      );
    }
    const read = (file: string): string => readFileSync(join(dir, file), 'utf8');
    return {
      ca: read('ca.pem'),
      agent: { cert: read('agent.pem'), key: read('agent.key') },
      client: { cert: read('client.pem'), key: read('client.key') },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
