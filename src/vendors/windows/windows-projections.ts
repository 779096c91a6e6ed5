/**
 * The PowerShell expressions that project the DhcpServer module's objects into plain hashtables of strings and
 * numbers before `ConvertTo-Json` (docs/windows.md, "Objects"), so the JSON the driver reads does not depend on how
 * PowerShell serializes a CIM instance. `$_` is the object in a `ForEach-Object` block.
 */
const OPTION =
  '@{ id = [int]$_.OptionId; name = [string]$_.Name; type = [string]$_.Type; value = @($_.Value) }';

/** Statements that leave the projection of the scope whose id `scopeId` (an expression) names in `$scope`. */
export function readScopeStatements(scopeId: string): string[] {
  return [
    `$s = Get-DhcpServerv4Scope -ScopeId ${scopeId}`,
    `$ex = @(Get-DhcpServerv4ExclusionRange -ScopeId ${scopeId} | ForEach-Object { @{ start = $_.StartRange.IPAddressToString; end = $_.EndRange.IPAddressToString } })`,
    `$op = @(Get-DhcpServerv4OptionValue -ScopeId ${scopeId} | ForEach-Object { ${OPTION} })`,
    `$rs = @(Get-DhcpServerv4Reservation -ScopeId ${scopeId} | ForEach-Object { @{ ip = $_.IPAddress.IPAddressToString; clientId = [string]$_.ClientId; name = [string]$_.Name; description = [string]$_.Description; type = [string]$_.Type; options = @(Get-DhcpServerv4OptionValue -ReservedIP $_.IPAddress | ForEach-Object { ${OPTION} }) } })`,
    '$scope = @{ scopeId = $s.ScopeId.IPAddressToString; mask = $s.SubnetMask.IPAddressToString; name = [string]$s.Name; ' +
      'description = [string]$s.Description; state = [string]$s.State; start = $s.StartRange.IPAddressToString; ' +
      'end = $s.EndRange.IPAddressToString; lease = $s.LeaseDuration.TotalSeconds; exclusions = $ex; options = $op; reservations = $rs }',
  ];
}

/** Every scope of the server, each projected as by {@link readScopeStatements}, in `$all`. */
export function readAllScopesStatements(): string[] {
  return [
    '$all = @()',
    `foreach ($each in @(Get-DhcpServerv4Scope)) { ${readScopeStatements('$each.ScopeId').join('; ')}; $all += $scope }`,
  ];
}

export const LIST_SCOPES =
  '@(Get-DhcpServerv4Scope | ForEach-Object { @{ scopeId = $_.ScopeId.IPAddressToString; mask = $_.SubnetMask.IPAddressToString; name = [string]$_.Name; state = [string]$_.State } })';

const FAILOVER =
  '@{ name = [string]$_.Name; partnerServer = [string]$_.PartnerServer; mode = [string]$_.Mode; serverRole = [string]$_.ServerRole; ' +
  'loadBalancePercent = [int]$_.LoadBalancePercent; reservePercent = [int]$_.ReservePercent; ' +
  'maxClientLeadTime = $_.MaxClientLeadTime.TotalSeconds; autoStateTransition = [bool]$_.AutoStateTransition; ' +
  'stateSwitchInterval = $_.StateSwitchInterval.TotalSeconds; state = [string]$_.State; enableAuth = [bool]$_.EnableAuth; ' +
  'primaryServerName = [string]$_.PrimaryServerName; primaryServerIp = [string]$_.PrimaryServerIP; ' +
  'secondaryServerName = [string]$_.SecondaryServerName; secondaryServerIp = [string]$_.SecondaryServerIP; ' +
  'serverType = [string]$_.ServerType; scopeIds = @($_.ScopeId | ForEach-Object { [string]$_ }) }';

/** Every failover relationship of the server. */
export const LIST_FAILOVERS = `@(Get-DhcpServerv4Failover | ForEach-Object { ${FAILOVER} })`;

/** One relationship, by name (an expression). */
export function getFailover(name: string): string {
  return `@(Get-DhcpServerv4Failover -Name ${name} | ForEach-Object { ${FAILOVER} })`;
}
