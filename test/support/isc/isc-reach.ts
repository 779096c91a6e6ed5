import type { Sshd } from '../sshd.js';

/** How a test's ISC server target reaches its host: through the test's sshd (its key pinned), or locally. */
export function iscReach(kind: 'ssh' | 'local', sshd: Sshd): Record<string, unknown> {
  return kind === 'local'
    ? { transport: 'local' }
    : {
        transport: 'ssh',
        host: sshd.host,
        port: sshd.port,
        username: sshd.user,
        hostKeyFingerprint: sshd.hostKeyFingerprint,
        connectTimeoutMs: 5_000,
      };
}
