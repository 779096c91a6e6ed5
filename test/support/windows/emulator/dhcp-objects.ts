/**
 * How the emulated state reads as the DhcpServer module's output objects (the CIM classes DhcpServerv4Scope,
 * DhcpServerv4ExclusionRange, DhcpServerv4Reservation, DhcpServerv4OptionValue, DhcpServerv4Failover): addresses
 * are IPAddress, durations TimeSpan, enumerations strings. Also Windows' default option definitions.
 */
import type {
  EstateState,
  RelationshipState,
  ReservationState,
  ScopeState,
  ServerState,
} from './dhcp-state.js';
import { IPAddress, PsObject, TimeSpan } from './ps-values.js';

const NS = 'Microsoft.Management.Infrastructure.CimInstance#root/Microsoft/Windows/DHCP/';

export function scopeObject(s: ScopeState): PsObject {
  return new PsObject(`${NS}DhcpServerv4Scope`, {
    ScopeId: new IPAddress(s.scopeId),
    SubnetMask: new IPAddress(s.subnetMask),
    StartRange: new IPAddress(s.startRange),
    EndRange: new IPAddress(s.endRange),
    Name: s.name,
    Description: s.description,
    State: s.state,
    Type: s.type,
    LeaseDuration: new TimeSpan(s.leaseDurationSeconds * 1000),
    MaxBootpClients: s.maxBootpClients,
    ActivatePolicies: true,
    Delay: s.delayMs,
    NapEnable: false,
    NapProfile: null,
    SuperscopeName: '',
  });
}

export function exclusionObject(scopeId: string, e: { startRange: string; endRange: string }): PsObject {
  return new PsObject(`${NS}DhcpServerv4ExclusionRange`, {
    ScopeId: new IPAddress(scopeId),
    StartRange: new IPAddress(e.startRange),
    EndRange: new IPAddress(e.endRange),
  });
}

export function reservationObject(scopeId: string, r: ReservationState): PsObject {
  return new PsObject(`${NS}DhcpServerv4Reservation`, {
    IPAddress: new IPAddress(r.ipAddress),
    ScopeId: new IPAddress(scopeId),
    AddressState: 'InactiveReservation',
    ClientId: r.clientId,
    Name: r.name,
    Description: r.description,
    Type: r.type,
  });
}

export function optionObject(id: number, values: string[]): PsObject {
  const def = OPTION_DEFINITIONS[id];
  return new PsObject(`${NS}DhcpServerv4OptionValue`, {
    OptionId: id,
    Name: def?.name ?? '',
    Type: def?.type ?? 'String',
    Value: [...values],
    VendorClass: '',
    UserClass: '',
    PolicyName: null,
  });
}

/** The relationship as the local server reports it; the state is live (the partner's fault decides it). */
export function failoverObject(estate: EstateState, server: ServerState, r: RelationshipState): PsObject {
  const partner = estate.servers[r.partnerName.toLowerCase()];
  const state = r.partnerDownDeclared
    ? 'PartnerDown'
    : !partner || partner.faults.down
      ? 'CommunicationInterrupted'
      : 'Normal';
  const primary = r.serverType === 'PrimaryServer' ? server : partner;
  const secondary = r.serverType === 'PrimaryServer' ? partner : server;
  return new PsObject(`${NS}DhcpServerv4Failover`, {
    Name: r.name,
    PartnerServer: r.partnerServer,
    Mode: r.mode,
    ServerRole: r.serverRole,
    LoadBalancePercent: r.loadBalancePercent,
    ReservePercent: r.reservePercent,
    ScopeId: r.scopeIds.map((id) => new IPAddress(id)),
    MaxClientLeadTime: new TimeSpan(r.maxClientLeadTimeSeconds * 1000),
    AutoStateTransition: r.autoStateTransition,
    StateSwitchInterval:
      r.stateSwitchIntervalSeconds === null ? null : new TimeSpan(r.stateSwitchIntervalSeconds * 1000),
    State: state,
    EnableAuth: r.enableAuth,
    PrimaryServerName: primary?.name ?? r.primaryServerName,
    PrimaryServerIP: primary ? new IPAddress(primary.address) : null,
    SecondaryServerName: secondary?.name ?? r.secondaryServerName,
    SecondaryServerIP: secondary ? new IPAddress(secondary.address) : null,
    ServerType: r.serverType,
  });
}

export interface OptionDefinition {
  name: string;
  type: 'IPv4Address' | 'String' | 'Byte' | 'Word' | 'DWord' | 'BinaryData';
  multi: boolean;
}

const def = (name: string, type: OptionDefinition['type'], multi = false): OptionDefinition => ({
  name,
  type,
  multi,
});

/** The predefined DHCPv4 option definitions of a Windows DHCP server (standard class), the commonly used ones. */
export const OPTION_DEFINITIONS: Record<number, OptionDefinition> = {
  2: def('Time Offset', 'DWord'),
  3: def('Router', 'IPv4Address', true),
  4: def('Time Server', 'IPv4Address', true),
  5: def('Name Servers', 'IPv4Address', true),
  6: def('DNS Servers', 'IPv4Address', true),
  7: def('Log Servers', 'IPv4Address', true),
  9: def('LPR Servers', 'IPv4Address', true),
  12: def('Host Name', 'String'),
  13: def('Boot File Size', 'Word'),
  15: def('DNS Domain Name', 'String'),
  16: def('Swap Server', 'IPv4Address'),
  17: def('Root Path', 'String'),
  23: def('Default IP Time-to-live', 'Byte'),
  26: def('MTU Option', 'Word'),
  28: def('Broadcast Address', 'IPv4Address'),
  33: def('Static Route Option', 'IPv4Address', true),
  35: def('ARP Cache Timeout', 'DWord'),
  42: def('NTP Servers', 'IPv4Address', true),
  43: def('Vendor Specific Info', 'BinaryData'),
  44: def('WINS/NBNS Servers', 'IPv4Address', true),
  46: def('WINS/NBT Node Type', 'Byte'),
  47: def('NetBIOS Scope ID', 'String'),
  51: def('Lease', 'DWord'),
  58: def('Renewal (T1) Time Value', 'DWord'),
  59: def('Rebinding (T2) Time Value', 'DWord'),
  64: def('NIS+ Domain Name', 'String'),
  66: def('Boot Server Host Name', 'String'),
  67: def('Bootfile Name', 'String'),
  69: def('SMTP Servers', 'IPv4Address', true),
  121: def('Classless Static Routes', 'BinaryData'),
  252: def('WPAD', 'String'),
};
