/**
 * Failover cmdlets. As Microsoft documents them: Add-DhcpServerv4Failover creates the relationship on both servers
 * and the scopes on the partner (mirrored role and load-balance share); Add-DhcpServerv4FailoverScope copies further
 * scopes, refused (20004) while the partner has a scope of that id, in the relationship or not ("The specified scopes
 * should not exist on the partner"); Remove-DhcpServerv4FailoverScope deletes the partner's copies, whether or not the
 * partner's side of the relationship lists them (Microsoft: it "also deletes the scopes from the partner", with no
 * condition), and keeps the local scopes;
 * Remove-DhcpServerv4Failover removes the relationship from both servers and leaves every scope where it is
 * (-Force: removed locally even when the partner cannot be reached). A SharedSecret, a Mode change and a
 * replication ask for confirmation, which -NonInteractive turns into an error unless -Force is given.
 */
import type { ParamSpec } from './cmdlet-binding.js';
import { type CimErrorFactory, type DhcpContext, dhcpCmdlet, passThru, scopeOrFail } from './dhcp-context.js';
import { failoverObject, scopeObject } from './dhcp-objects.js';
import { findServer, type RelationshipState, type ScopeState, type ServerState } from './dhcp-state.js';
import { PsError } from './ps-errors.js';
import type { CmdletDef } from './ps-interpreter.js';
import type { IPAddress, TimeSpan } from './ps-values.js';

const MAX_RELATIONSHIPS = 31;
/** ERROR_DHCP_FO_RELATIONSHIP_NAME_TOO_LONG's limit is not published; the emulator assumes 126 characters. */
const MAX_NAME = 126;

const ips = (v: unknown): string[] => (v as IPAddress[]).map((a) => a.address);
const seconds = (v: unknown): number => (v as TimeSpan).totalMs / 1000;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function confirmationRefused(command: string): PsError {
  return new PsError(
    `System.Management.Automation.PSInvalidOperationException,${command}`,
    'PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.',
    'InvalidOperation',
    'System.Management.Automation.PSInvalidOperationException',
    true,
    command,
  );
}

/**
 * The relationship on both servers: the partner's side mirrors the role and the load-balance share, names the
 * creating server as its partner, is the secondary, and gets a copy of each scope.
 */
export function createPair(server: ServerState, partner: ServerState, local: RelationshipState): void {
  server.relationships.push(local);
  partner.relationships.push({
    ...local,
    scopeIds: [...local.scopeIds],
    partnerServer: server.name,
    partnerName: server.name,
    serverRole:
      local.mode === 'HotStandby' ? (local.serverRole === 'Active' ? 'Standby' : 'Active') : 'Active',
    loadBalancePercent: local.mode === 'HotStandby' ? 0 : 100 - local.loadBalancePercent,
    serverType: 'SecondaryServer',
  });
  for (const id of local.scopeIds) partner.scopes[id] = clone(server.scopes[id]);
}

function findRel(server: ServerState, name: string): RelationshipState | undefined {
  return server.relationships.find((r) => r.name.toLowerCase() === name.toLowerCase());
}

function relOrFail(c: DhcpContext, name: string, fail: CimErrorFactory, action: string): RelationshipState {
  const rel = findRel(c.server, name);
  if (!rel)
    throw fail(20115, `Failed to ${action} failover relationship ${name} on DHCP server {server}.`, name);
  return rel;
}

/** The partner's DHCP service, or 1722 (RPC server unavailable) when it is down or unknown. */
function partnerOf(
  c: DhcpContext,
  rel: RelationshipState,
  fail: CimErrorFactory,
): { partner: ServerState; mirror?: RelationshipState } {
  const partner = c.estate.servers[rel.partnerName.toLowerCase()];
  if (!partner || partner.faults.down)
    throw fail(
      1722,
      `Failed to reach partner server ${rel.partnerServer} of failover relationship ${rel.name}.`,
      rel.name,
    );
  return { partner, mirror: findRel(partner, rel.name) };
}

function checkPercent(name: string, v: unknown, fail: CimErrorFactory): void {
  if (typeof v === 'number' && v > 100)
    throw fail(87, `Failed to set ${name} to ${v} on DHCP server {server}.`);
}

const common: ParamSpec[] = [
  { name: 'MaxClientLeadTime', type: 'TimeSpan' },
  { name: 'AutoStateTransition', type: 'Boolean' },
  { name: 'StateSwitchInterval', type: 'TimeSpan' },
  { name: 'SharedSecret', type: 'String' },
  { name: 'Force', type: 'Switch' },
  { name: 'PassThru', type: 'Switch' },
];

export function failoverCmdlets(ctx: () => DhcpContext): CmdletDef[] {
  return [
    dhcpCmdlet(
      ctx,
      'Get-DhcpServerv4Failover',
      [
        { name: 'Name', type: 'String[]', sets: ['Name'] },
        { name: 'ScopeId', type: 'IPAddress[]', sets: ['ScopeId'], mandatory: true },
      ],
      (c, b, set, fail) => {
        if (set === 'ScopeId')
          return ips(b.get('ScopeId')).map((id) => {
            scopeOrFail(c, id, fail, 'get failover relationship of');
            const rel = c.server.relationships.find((r) => r.scopeIds.includes(id));
            if (!rel)
              throw fail(
                20116,
                `Failed to get failover relationship of scope ${id} on DHCP server {server}.`,
                id,
              );
            return failoverObject(c.estate, c.server, rel);
          });
        if (!b.has('Name')) return c.server.relationships.map((r) => failoverObject(c.estate, c.server, r));
        return (b.get('Name') as string[]).map((n) =>
          failoverObject(c.estate, c.server, relOrFail(c, n, fail, 'get')),
        );
      },
      ['Name', 'ScopeId'],
    ),

    dhcpCmdlet(
      ctx,
      'Add-DhcpServerv4Failover',
      [
        { name: 'Name', type: 'String', mandatory: true },
        { name: 'PartnerServer', type: 'String', mandatory: true },
        { name: 'ScopeId', type: 'IPAddress[]', mandatory: true },
        ...common,
        { name: 'LoadBalancePercent', type: 'UInt32', sets: ['LoadBalance'] },
        { name: 'ReservePercent', type: 'UInt32', sets: ['HotStandby'] },
        { name: 'ServerRole', type: 'String', sets: ['HotStandby'], validateSet: ['Active', 'Standby'] },
      ],
      (c, b, set, fail) => {
        const name = b.get('Name') as string;
        if (b.has('SharedSecret') && !b.get('Force')) throw confirmationRefused('Add-DhcpServerv4Failover');
        if (name.length > MAX_NAME)
          throw fail(20125, `Failed to create failover relationship ${name} on DHCP server {server}.`, name);
        if (findRel(c.server, name))
          throw fail(20114, `Failed to create failover relationship ${name} on DHCP server {server}.`, name);
        if (c.server.relationships.length >= MAX_RELATIONSHIPS)
          throw fail(20128, `Failed to create failover relationship ${name} on DHCP server {server}.`, name);
        checkPercent('LoadBalancePercent', b.get('LoadBalancePercent'), fail);
        checkPercent('ReservePercent', b.get('ReservePercent'), fail);
        const scopeIds = ips(b.get('ScopeId'));
        for (const id of scopeIds) {
          scopeOrFail(c, id, fail, 'add to a failover relationship the');
          if (c.server.relationships.some((r) => r.scopeIds.includes(id)))
            throw fail(
              20113,
              `Failed to add scope ${id} to failover relationship ${name} on DHCP server {server}.`,
              id,
            );
        }
        const partnerServer = b.get('PartnerServer') as string;
        const partner = findServer(c.estate, partnerServer);
        if (!partner || partner.faults.down)
          throw fail(
            1722,
            `Failed to reach partner server ${partnerServer} for failover relationship ${name}.`,
            partnerServer,
          );
        if (partner === c.server)
          throw fail(87, `Failed to create failover relationship ${name}: the partner is this server.`, name);
        if (findRel(partner, name))
          throw fail(
            20114,
            `Failed to create failover relationship ${name} on partner server ${partner.name}.`,
            name,
          );
        if (partner.relationships.length >= MAX_RELATIONSHIPS)
          throw fail(
            20128,
            `Failed to create failover relationship ${name} on partner server ${partner.name}.`,
            name,
          );
        for (const id of scopeIds)
          if (partner.scopes[id])
            throw fail(20004, `Failed to create scope ${id} on partner server ${partner.name}.`, id);

        const hot = set === 'HotStandby';
        const role = (b.get('ServerRole') as 'Active' | 'Standby' | undefined) ?? 'Active';
        const lb = hot ? 0 : ((b.get('LoadBalancePercent') as number | undefined) ?? 50);
        const local: RelationshipState = {
          name,
          partnerServer,
          partnerName: partner.name,
          mode: hot ? 'HotStandby' : 'LoadBalance',
          serverRole: hot ? role : 'Active',
          loadBalancePercent: lb,
          reservePercent: hot ? ((b.get('ReservePercent') as number | undefined) ?? 5) : 0,
          maxClientLeadTimeSeconds: b.has('MaxClientLeadTime') ? seconds(b.get('MaxClientLeadTime')) : 3600,
          autoStateTransition: b.has('StateSwitchInterval') || b.get('AutoStateTransition') === true,
          stateSwitchIntervalSeconds: b.has('StateSwitchInterval')
            ? seconds(b.get('StateSwitchInterval'))
            : null,
          enableAuth: typeof b.get('SharedSecret') === 'string',
          sharedSecret: (b.get('SharedSecret') as string | undefined) ?? null,
          serverType: 'PrimaryServer',
          primaryServerName: c.server.name,
          secondaryServerName: partner.name,
          scopeIds,
          partnerDownDeclared: false,
        };
        createPair(c.server, partner, local);
        return passThru(b, [failoverObject(c.estate, c.server, local)]);
      },
      ['LoadBalance', 'HotStandby'],
    ),

    dhcpCmdlet(
      ctx,
      'Set-DhcpServerv4Failover',
      [
        { name: 'Name', type: 'String', mandatory: true },
        ...common,
        { name: 'PartnerDown', type: 'Switch' },
        { name: 'LoadBalancePercent', type: 'UInt32' },
        { name: 'ReservePercent', type: 'UInt32' },
        { name: 'Mode', type: 'String', validateSet: ['LoadBalance', 'HotStandby'] },
      ],
      (c, b, _s, fail) => {
        const rel = relOrFail(c, b.get('Name') as string, fail, 'set');
        const mode = (b.get('Mode') as RelationshipState['mode'] | undefined) ?? rel.mode;
        if ((b.has('SharedSecret') || (b.has('Mode') && mode !== rel.mode)) && !b.get('Force'))
          throw confirmationRefused('Set-DhcpServerv4Failover');
        // The documentation lets LoadBalancePercent apply to load balance only, ReservePercent to hot standby only.
        if (
          (b.has('LoadBalancePercent') && mode !== 'LoadBalance') ||
          (b.has('ReservePercent') && mode !== 'HotStandby')
        )
          throw fail(
            87,
            `Failed to set failover relationship ${rel.name}: the parameter does not apply to mode ${mode}.`,
            rel.name,
          );
        checkPercent('LoadBalancePercent', b.get('LoadBalancePercent'), fail);
        checkPercent('ReservePercent', b.get('ReservePercent'), fail);
        if (b.get('PartnerDown') === true) rel.partnerDownDeclared = true;
        const changes = [...b.keys()].some(
          (k) =>
            !['Name', 'PartnerDown', 'Force', 'PassThru', 'ErrorAction', 'Confirm', 'Verbose'].includes(k),
        );
        if (changes) {
          const { mirror } = partnerOf(c, rel, fail);
          for (const [r, local] of [[rel, true], ...(mirror ? [[mirror, false]] : [])] as [
            RelationshipState,
            boolean,
          ][]) {
            if (mode !== r.mode) {
              r.mode = mode;
              r.serverRole = mode === 'HotStandby' ? (local ? 'Active' : 'Standby') : 'Active';
              r.loadBalancePercent = mode === 'LoadBalance' ? 50 : 0;
              r.reservePercent = mode === 'HotStandby' ? 5 : 0;
            }
            if (b.has('LoadBalancePercent'))
              r.loadBalancePercent = local
                ? (b.get('LoadBalancePercent') as number)
                : 100 - (b.get('LoadBalancePercent') as number);
            if (b.has('ReservePercent')) r.reservePercent = b.get('ReservePercent') as number;
            if (b.has('MaxClientLeadTime')) r.maxClientLeadTimeSeconds = seconds(b.get('MaxClientLeadTime'));
            if (b.has('StateSwitchInterval')) {
              r.stateSwitchIntervalSeconds = seconds(b.get('StateSwitchInterval'));
              r.autoStateTransition = true;
            }
            if (b.has('AutoStateTransition')) r.autoStateTransition = b.get('AutoStateTransition') as boolean;
            if (b.has('SharedSecret')) {
              const secret = b.get('SharedSecret') as string | null;
              r.sharedSecret = secret;
              r.enableAuth = secret !== null;
            }
          }
        }
        return passThru(b, [failoverObject(c.estate, c.server, rel)]);
      },
    ),

    dhcpCmdlet(
      ctx,
      'Remove-DhcpServerv4Failover',
      [
        { name: 'Name', type: 'String[]', mandatory: true },
        { name: 'Force', type: 'Switch' },
        { name: 'PassThru', type: 'Switch' },
      ],
      (c, b, _s, fail) => {
        const out = [];
        for (const name of b.get('Name') as string[]) {
          const rel = relOrFail(c, name, fail, 'delete');
          let partner: ServerState | undefined;
          try {
            partner = partnerOf(c, rel, fail).partner;
          } catch (error) {
            if (!b.get('Force')) throw error;
          }
          out.push(failoverObject(c.estate, c.server, rel));
          c.server.relationships.splice(c.server.relationships.indexOf(rel), 1);
          if (partner)
            partner.relationships = partner.relationships.filter(
              (r) => r.name.toLowerCase() !== name.toLowerCase(),
            );
        }
        return passThru(b, out);
      },
    ),

    ...failoverScopeCmdlets(ctx),
  ];
}

function failoverScopeCmdlets(ctx: () => DhcpContext): CmdletDef[] {
  const params: ParamSpec[] = [
    { name: 'Name', type: 'String', mandatory: true },
    { name: 'ScopeId', type: 'IPAddress[]', mandatory: true },
    { name: 'PassThru', type: 'Switch' },
  ];
  /** Valid scopes are processed; the first invalid one is then reported (the documented non-terminating error). */
  const perScope = (ids: string[], check: (id: string) => void, apply: (id: string) => void): void => {
    const errors: PsError[] = [];
    const valid = ids.filter((id) => {
      try {
        check(id);
        return true;
      } catch (error) {
        if (!(error instanceof PsError)) throw error;
        errors.push(error);
        return false;
      }
    });
    valid.forEach(apply);
    if (errors.length > 0) throw errors[0];
  };
  return [
    dhcpCmdlet(ctx, 'Add-DhcpServerv4FailoverScope', params, (c, b, _s, fail) => {
      const rel = relOrFail(c, b.get('Name') as string, fail, 'add scopes to');
      if (rel.serverType === 'SecondaryServer')
        throw fail(
          20117,
          `Failed to add scopes to failover relationship ${rel.name} on DHCP server {server}, its secondary server.`,
          rel.name,
        );
      const { partner, mirror } = partnerOf(c, rel, fail);
      perScope(
        ips(b.get('ScopeId')),
        (id) => {
          scopeOrFail(c, id, fail, 'add to failover relationship the');
          if (c.server.relationships.some((r) => r.scopeIds.includes(id)))
            throw fail(
              20113,
              `Failed to add scope ${id} to failover relationship ${rel.name} on DHCP server {server}.`,
              id,
            );
          if (partner.scopes[id])
            throw fail(20004, `Failed to create scope ${id} on partner server ${partner.name}.`, id);
        },
        (id) => {
          rel.scopeIds.push(id);
          mirror?.scopeIds.push(id);
          partner.scopes[id] = clone(c.server.scopes[id]);
        },
      );
      return passThru(b, [failoverObject(c.estate, c.server, rel)]);
    }),

    dhcpCmdlet(
      ctx,
      'Remove-DhcpServerv4FailoverScope',
      [...params, { name: 'Force', type: 'Switch' }],
      (c, b, _s, fail) => {
        const rel = relOrFail(c, b.get('Name') as string, fail, 'remove scopes from');
        const { partner, mirror } = partnerOf(c, rel, fail);
        perScope(
          ips(b.get('ScopeId')),
          (id) => {
            scopeOrFail(c, id, fail, 'remove from failover relationship the');
            if (!rel.scopeIds.includes(id))
              throw fail(
                20116,
                `Failed to remove scope ${id} from failover relationship ${rel.name} on DHCP server {server}.`,
                id,
              );
          },
          (id) => {
            rel.scopeIds = rel.scopeIds.filter((s) => s !== id);
            if (mirror) mirror.scopeIds = mirror.scopeIds.filter((s) => s !== id);
            // The partner's scope of that id goes even where its side no longer lists it (see the header).
            delete partner.scopes[id];
          },
        );
        return passThru(b, [failoverObject(c.estate, c.server, rel)]);
      },
    ),

    dhcpCmdlet(
      ctx,
      'Invoke-DhcpServerv4FailoverReplication',
      [
        { name: 'Name', type: 'String[]', sets: ['Name'] },
        { name: 'ScopeId', type: 'IPAddress[]', sets: ['ScopeId'], mandatory: true },
        { name: 'Force', type: 'Switch' },
        { name: 'PassThru', type: 'Switch' },
      ],
      (c, b, set, fail) => {
        if (!b.get('Force')) throw confirmationRefused('Invoke-DhcpServerv4FailoverReplication');
        const work: [RelationshipState, string[]][] = [];
        if (set === 'ScopeId') {
          for (const id of ips(b.get('ScopeId'))) {
            scopeOrFail(c, id, fail, 'replicate');
            const rel = c.server.relationships.find((r) => r.scopeIds.includes(id));
            if (!rel)
              throw fail(
                20116,
                `Failed to replicate scope ${id}: it is not part of a failover relationship on DHCP server {server}.`,
                id,
              );
            work.push([rel, [id]]);
          }
        } else {
          const rels = b.has('Name')
            ? (b.get('Name') as string[]).map((n) => relOrFail(c, n, fail, 'replicate'))
            : c.server.relationships;
          for (const rel of rels) work.push([rel, rel.scopeIds]);
        }
        const out: ScopeState[] = [];
        for (const [rel, ids] of work) {
          const { partner } = partnerOf(c, rel, fail);
          for (const id of ids) {
            partner.scopes[id] = clone(c.server.scopes[id]);
            out.push(c.server.scopes[id]);
          }
        }
        return passThru(b, out.map(scopeObject));
      },
      ['Name', 'ScopeId'],
    ),
  ];
}
