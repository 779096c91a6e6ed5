/**
 * Option values at server, scope (-ScopeId) and reservation (-ReservedIP) level, and the server's identity cmdlets
 * (Get-DhcpServerVersion, Get-Module -ListAvailable -Name DhcpServer). Values are checked against Windows' option
 * definitions: an undefined option fails with 20010, a value of the wrong type with Win32 87.
 */
import { isIPv4 } from './cmdlet-binding.js';
import { type CimErrorFactory, type DhcpContext, dhcpCmdlet, passThru, scopeOrFail } from './dhcp-context.js';
import { OPTION_DEFINITIONS, optionObject } from './dhcp-objects.js';
import { findReservation } from './dhcp-scope-cmdlets.js';
import type { OptionValues } from './dhcp-state.js';
import { notEmulated } from './ps-errors.js';
import type { CmdletDef } from './ps-interpreter.js';
import { type IPAddress, PsObject, Version } from './ps-values.js';

const NAMED: Record<string, number> = { Router: 3, DnsServer: 6, DnsDomain: 15, WinsServer: 44, Wpad: 252 };

function target(
  c: DhcpContext,
  b: Map<string, unknown>,
  fail: CimErrorFactory,
  action: string,
): OptionValues {
  const scopeId = b.get('ScopeId') as IPAddress | undefined;
  const reserved = b.get('ReservedIP') as IPAddress | undefined;
  if (scopeId && reserved)
    throw fail(
      87,
      `Failed to ${action} option value: specify either ScopeId or ReservedIP on DHCP server {server}.`,
    );
  if (reserved) {
    const hit = findReservation(c, reserved.address);
    if (!hit)
      throw fail(
        20018,
        `Failed to ${action} option value for reserved IP ${reserved.address} on DHCP server {server}.`,
        reserved.address,
      );
    return hit.r.options;
  }
  if (scopeId) return scopeOrFail(c, scopeId.address, fail, `${action} option value of`).options;
  return c.server.serverOptions;
}

function optionOrFail(values: OptionValues, id: number, fail: CimErrorFactory, action: string): string[] {
  const v = values[String(id)];
  if (!v)
    throw fail(
      20010,
      `Failed to ${action} option value for option ID ${id} on DHCP server {server}.`,
      String(id),
    );
  return v;
}

function checkValues(id: number, values: string[], fail: CimErrorFactory): void {
  const def = OPTION_DEFINITIONS[id];
  if (!def)
    throw fail(
      20010,
      `Failed to set option value for option ID ${id} on DHCP server {server}. The option definition does not exist.`,
      String(id),
    );
  const bad = (v: string): boolean => {
    if (def.type === 'IPv4Address') return !isIPv4(v);
    const max = { Byte: 255, Word: 65535, DWord: 4294967295 }[def.type as 'Byte'];
    if (max !== undefined) return !/^\d+$/.test(v) || Number(v) > max;
    return false;
  };
  if (values.length === 0 || (!def.multi && values.length > 1) || values.some(bad))
    throw fail(
      87,
      `Failed to set option value for option ID ${id} (${def.type}) on DHCP server {server}.`,
      String(id),
    );
}

const location = [
  { name: 'ScopeId', type: 'IPAddress' as const },
  { name: 'ReservedIP', type: 'IPAddress' as const },
  { name: 'VendorClass', type: 'String' as const },
  { name: 'UserClass', type: 'String' as const },
  { name: 'PolicyName', type: 'String' as const },
];

function refuseClasses(b: Map<string, unknown>): void {
  for (const n of ['VendorClass', 'UserClass', 'PolicyName'])
    if (b.has(n)) throw notEmulated(`the -${n} parameter`);
}

export function optionCmdlets(ctx: () => DhcpContext): CmdletDef[] {
  return [
    dhcpCmdlet(
      ctx,
      'Get-DhcpServerv4OptionValue',
      [
        ...location,
        { name: 'OptionId', type: 'UInt32[]' },
        { name: 'All', type: 'Switch' },
        { name: 'Brief', type: 'Switch' },
      ],
      (c, b, _s, fail) => {
        refuseClasses(b);
        const values = target(c, b, fail, 'get');
        const ids = b.has('OptionId')
          ? (b.get('OptionId') as number[])
          : Object.keys(values)
              .map(Number)
              .sort((x, y) => x - y);
        return ids.map((id) => {
          return optionObject(id, optionOrFail(values, id, fail, 'get'));
        });
      },
    ),

    dhcpCmdlet(
      ctx,
      'Set-DhcpServerv4OptionValue',
      [
        ...location,
        { name: 'OptionId', type: 'UInt32', sets: ['OptionId'], mandatory: true },
        { name: 'Value', type: 'String[]', sets: ['OptionId'], mandatory: true },
        { name: 'DnsServer', type: 'IPAddress[]', sets: ['NamedOptions'] },
        { name: 'DnsDomain', type: 'String', sets: ['NamedOptions'] },
        { name: 'Router', type: 'IPAddress[]', sets: ['NamedOptions'] },
        { name: 'WinsServer', type: 'IPAddress[]', sets: ['NamedOptions'] },
        { name: 'Wpad', type: 'String', sets: ['NamedOptions'] },
        { name: 'Force', type: 'Switch' },
        { name: 'PassThru', type: 'Switch' },
      ],
      (c, b, set, fail) => {
        refuseClasses(b);
        const values = target(c, b, fail, 'set');
        const changes: [number, string[]][] =
          set === 'OptionId'
            ? [[b.get('OptionId') as number, b.get('Value') as string[]]]
            : Object.entries(NAMED)
                .filter(([name]) => b.has(name))
                .map(([name, id]) => {
                  const v = b.get(name);
                  return [id, Array.isArray(v) ? v.map((a: IPAddress) => a.address) : [v as string]];
                });
        for (const [id, v] of changes) checkValues(id, v, fail);
        for (const [id, v] of changes) values[String(id)] = [...v];
        return passThru(
          b,
          changes.map(([id, v]) => optionObject(id, v)),
        );
      },
      ['OptionId', 'NamedOptions'],
      'NamedOptions',
    ),

    dhcpCmdlet(
      ctx,
      'Remove-DhcpServerv4OptionValue',
      [
        ...location,
        { name: 'OptionId', type: 'UInt32[]', mandatory: true },
        { name: 'PassThru', type: 'Switch' },
      ],
      (c, b, _s, fail) => {
        refuseClasses(b);
        const values = target(c, b, fail, 'delete');
        const out = [];
        for (const id of b.get('OptionId') as number[]) {
          const v = optionOrFail(values, id, fail, 'delete');
          delete values[String(id)];
          out.push(optionObject(id, v));
        }
        return passThru(b, out);
      },
    ),

    dhcpCmdlet(ctx, 'Get-DhcpServerVersion', [], (c) => [
      new PsObject(
        'Microsoft.Management.Infrastructure.CimInstance#root/Microsoft/Windows/DHCP/DhcpServerVersion',
        {
          MajorVersion: c.server.serverVersion.major,
          MinorVersion: c.server.serverVersion.minor,
        },
      ),
    ]),
  ];
}

/** Get-Module: a core cmdlet (not DhcpServer's), so it works while the DHCP service is down. */
export function moduleCmdlet(ctx: () => DhcpContext): CmdletDef {
  return {
    name: 'Get-Module',
    params: [
      { name: 'ListAvailable', type: 'Switch' },
      { name: 'Name', type: 'String[]' },
    ],
    sets: ['Default'],
    defaultSet: 'Default',
    dhcp: false,
    run: (b) => {
      const names = (b.get('Name') as string[] | undefined) ?? ['DhcpServer'];
      if (!b.get('ListAvailable')) throw notEmulated('Get-Module without -ListAvailable');
      if (!names.some((n) => n.toLowerCase() === 'dhcpserver')) return [];
      return [
        new PsObject('System.Management.Automation.PSModuleInfo', {
          Name: 'DhcpServer',
          Version: new Version(ctx().server.moduleVersion),
          ModuleType: 'Manifest',
          Path: 'C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules\\DhcpServer\\DhcpServer.psd1',
        }),
      ];
    },
  };
}
