/**
 * npm run bench: runs every benchmark in turn (or those named: `npm run bench -- kea-write`). Each prints its own
 * figures against a raw floor measured in the same run; none asserts anything. A benchmark that fails is reported
 * and the next one still runs; the exit code is then 1.
 */
interface Benchmark {
  name: string;
  /** What the benchmark needs from the machine, for the failure message. */
  needs: string;
  load: () => Promise<{ run(): Promise<void> }>;
}

const BENCHMARKS: Benchmark[] = [
  { name: 'server-read', needs: 'the local Postgres and Redis', load: () => import('./server-read.js') },
  { name: 'kea-write', needs: 'Kea 2.2 (kea-dhcp4, kea-ctrl-agent)', load: () => import('./kea-write.js') },
  {
    name: 'replicate-relationship',
    needs: 'Kea 2.2, the local Postgres and Redis, and a built service (dist/)',
    load: () => import('./replicate-relationship.js'),
  },
  {
    name: 'replicate-windows',
    needs:
      'OpenSSH (sshd), the local Postgres and Redis, a built service and emulator (npm run build:emulator)',
    load: () => import('./replicate-windows.js'),
  },
  {
    name: 'isc-parse',
    needs: 'ISC dhcpd 4.4 (/usr/sbin/dhcpd, run as root)',
    load: () => import('./isc-parse.js'),
  },
  {
    name: 'replicate-isc',
    needs:
      'ISC dhcpd 4.4 and OpenSSH sshd (run as root), the local Postgres and Redis, and a built service (dist/)',
    load: () => import('./replicate-isc.js'),
  },
];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !BENCHMARKS.some((b) => b.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown benchmark ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`,
    );
  }
  for (const benchmark of BENCHMARKS.filter((b) => wanted.length === 0 || wanted.includes(b.name))) {
    try {
      const module = await benchmark.load();
      await module.run();
    } catch (error) {
      process.exitCode = 1;
      process.stderr.write(
        `${benchmark.name}: failed (needs ${benchmark.needs}): ${(error as Error).stack ?? String(error)}\n`,
      );
    }
  }
}

await main();
