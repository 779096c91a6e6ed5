import type { KeaServer } from './kea-server.js';

export type KeaSubnet = { id: number; subnet: string; [key: string]: unknown };

/** Puts `subnet` on `server` (replacing one with the same prefix) with a plain config-set, as an operator would. */
export async function setSubnet(server: KeaServer, subnet: KeaSubnet): Promise<void> {
  const dhcp4 = await server.dhcp4Config();
  dhcp4['subnet4'] = [
    ...((dhcp4['subnet4'] as KeaSubnet[]) ?? []).filter((s) => s.subnet !== subnet.subnet),
    subnet,
  ];
  const answer = await server.command('config-set', { Dhcp4: dhcp4 });
  if (answer.result !== 0) throw new Error(JSON.stringify(answer));
}

/** The subnet `cidr` as `server` runs it (config-get). */
export async function subnetOn(server: KeaServer, cidr: string): Promise<KeaSubnet | undefined> {
  return ((await server.dhcp4Config())['subnet4'] as KeaSubnet[]).find((subnet) => subnet.subnet === cidr);
}

/** The subnet `cidr` as `server`'s config file holds it (what survives a restart). */
export async function subnetOnDisk(server: KeaServer, cidr: string): Promise<KeaSubnet | undefined> {
  const file = await server.readConfigFile();
  return ((file['Dhcp4'] as { subnet4: KeaSubnet[] }).subnet4 ?? []).find((subnet) => subnet.subnet === cidr);
}

/** A subnet with a pool, an option and a reservation, numbered by `n` (10.n.0.0/24, id n). */
export function officeSubnet(n: number, routers = `10.${n}.0.1`): KeaSubnet {
  return {
    id: n,
    subnet: `10.${n}.0.0/24`,
    'valid-lifetime': 3600,
    pools: [{ pool: `10.${n}.0.10 - 10.${n}.0.99` }],
    'option-data': [{ name: 'routers', data: routers }],
    reservations: [{ 'hw-address': '0a:00:00:00:00:01', 'ip-address': `10.${n}.0.5`, hostname: 'printer' }],
  };
}
