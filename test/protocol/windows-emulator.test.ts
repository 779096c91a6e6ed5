/**
 * The Windows DHCP emulator checked against Microsoft's documentation, through a real sshd and ssh2 as the driver
 * reaches it. Each test names the documented rule it checks: the DhcpServer cmdlet pages on learn.microsoft.com
 * (parameter sets, defaults, what a cmdlet does on the partner), the Win32 codes of dhcpsapi.h, and PowerShell's
 * parameter binding and `-Command -` behaviour.
 */
import { type RunResult, startWindowsEstate, type WindowsEstate } from '../support/windows/windows-estate.js';

let estate: WindowsEstate;
beforeAll(async () => {
  estate = await startWindowsEstate({ servers: [{ name: 'DHCP1' }, { name: 'DHCP2' }, { name: 'DHCP3' }] });
});
afterAll(async () => {
  await estate?.stop();
});

/** A script in the contract's shape: each step in try/catch, one JSON document at the end, empty lines after blocks. */
function script(...steps: string[]): string {
  const blocks = steps.map(
    (body, i) =>
      `try {\n  ${body.replace(/\n/g, '\n  ')}\n  $results += @{ step = ${i}; ok = $true; value = $v }\n} catch {\n` +
      `  $results += @{ step = ${i}; ok = $false; errorId = $_.FullyQualifiedErrorId; message = $_.Exception.Message }\n}\n`,
  );
  return [
    "$ErrorActionPreference = 'Stop'",
    '$results = @()',
    '',
    ...blocks,
    'ConvertTo-Json -InputObject $results -Depth 8 -Compress',
    '',
  ].join('\n');
}

interface Step {
  step: number;
  ok: boolean;
  value?: unknown;
  errorId?: string;
  message?: string;
}

async function steps(server: string, ...body: string[]): Promise<Step[]> {
  const result = await estate.run(server, script(...body));
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(result.stdout) as Step[];
}

async function one(server: string, body: string): Promise<Step> {
  return (await steps(server, body))[0];
}

const q = (s: string): string => `'${s.replace(/'/g, "''")}'`;

describe('transport and PowerShell front (docs/windows.md, wire contract)', () => {
  test('refuses any command but the contract invocation', async () => {
    const r = await estate.run('DHCP1', '$x = 1\n', 'cmd.exe /c dir');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refused command/);
    expect((await estate.sessions('DHCP1')).at(-1)?.outcome).toBe('refused');
  });

  test('a syntax error anywhere: PowerShell parser error on stderr, exit 1, nothing run', async () => {
    const text =
      "Add-DhcpServerv4Scope -StartRange '10.50.0.1' -EndRange '10.50.0.9' -SubnetMask '255.255.255.0' -Name 'x'\n$y = @{ a = \n\n";
    const r = await estate.run('DHCP1', text);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/At line:\d+ char:\d+/);
    expect(r.stderr).toMatch(/ParserError/);
    expect((await estate.serverState('DHCP1')).scopes['10.50.0.0']).toBeUndefined();
  });

  test('-Command - runs a multi-line block only when an empty line follows it: a last block without one never runs', async () => {
    const text =
      "$ErrorActionPreference = 'Stop'\ntry {\n  Add-DhcpServerv4Scope -StartRange '10.51.0.1' -EndRange '10.51.0.9' -SubnetMask '255.255.255.0' -Name 'x'\n} catch {\n  $e = 1\n}";
    const r = await estate.run('DHCP1', text);
    expect(r.code).toBe(0);
    expect((await estate.serverState('DHCP1')).scopes['10.51.0.0']).toBeUndefined();
    expect((await estate.sessions('DHCP1')).at(-1)).toMatchObject({ outcome: 'ok', cmdlets: 0, dropped: 1 });
    // The same with the empty line: it runs.
    expect((await estate.run('DHCP1', `${text}\n\n`)).code).toBe(0);
    expect((await estate.serverState('DHCP1')).scopes['10.51.0.0']).toBeDefined();
  });

  test('an unknown command fails with CommandNotFoundException; an error outside try ends the script with exit 1', async () => {
    expect(await one('DHCP1', 'Get-DhcpServerv4Scopes -ScopeId 1')).toMatchObject({
      ok: false,
      errorId: 'CommandNotFoundException',
    });
    const r = await estate.run(
      'DHCP1',
      "$ErrorActionPreference = 'Stop'\nGet-DhcpServerv4Scope -ScopeId '10.52.0.0'\nConvertTo-Json -InputObject @(1) -Compress\n",
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/FullyQualifiedErrorId : DHCP 20005,Get-DhcpServerv4Scope/);
  });

  test('constructs of the contract: hashtables, @(), member enumeration, casts, foreach, if/else, pipelines', async () => {
    const r = await estate.run(
      'DHCP1',
      [
        '$a = @(1, 2, 3)',
        '$n = 0',
        'foreach ($x in $a) {',
        '  if ($x -eq 2 -or -not ($x -ne 3)) { $n += $x } else { $n += 100 }',
        '}',
        '',
        "$h = @{ s = [string]42; i = [int]'7'; b = [bool]0; t = ([TimeSpan]::FromSeconds(90)).TotalSeconds; l = @(@{ k = 'a' }, @{ k = 'b' }).k }",
        '$w = @($a | Where-Object { $_ -ne 2 } | ForEach-Object { $_ * 1 })',
        'ConvertTo-Json -InputObject @(@{ n = $n; h = $h; one = @(5) }) -Depth 5 -Compress',
        '',
      ].join('\n'),
    );
    // `$_ * 1` is outside the contract: refused as not emulated, never silently accepted.
    expect(r.stderr).toMatch(/NotEmulated/);
    const [doc] = JSON.parse(r.stdout) as [{ n: number; h: Record<string, unknown>; one: number[] }];
    expect(doc.n).toBe(105);
    expect(doc.h).toEqual({ s: '42', i: 7, b: false, t: 90, l: ['a', 'b'] });
    // ConvertTo-Json -InputObject keeps a one-element array an array.
    expect(doc.one).toEqual([5]);
  });

  test("ConvertTo-Json escapes like Windows PowerShell 5.1 (<, >, &, ' as \\u escapes), still valid JSON", async () => {
    const r = await estate.run('DHCP1', "ConvertTo-Json -InputObject @{ s = 'a<b>&''c' } -Compress\n");
    expect(r.stdout.trim()).toBe('{"s":"a\\u003cb\\u003e\\u0026\\u0027c"}');
    expect(JSON.parse(r.stdout)).toEqual({ s: "a<b>&'c" });
  });

  test('server identity: $env:COMPUTERNAME, Get-DhcpServerVersion, Get-Module -ListAvailable -Name DhcpServer', async () => {
    const s = await one(
      'DHCP2',
      '$m = Get-Module -ListAvailable -Name DhcpServer\n$ver = Get-DhcpServerVersion\n$v = @{ name = $env:COMPUTERNAME; module = [string]$m.Version; major = $ver.MajorVersion }',
    );
    expect(s.value).toEqual({ name: 'DHCP2', module: '2.0.0.0', major: 10 });
  });
});

describe('scopes, exclusions, reservations, options (DhcpServer cmdlet pages)', () => {
  test('Add-DhcpServerv4Scope defaults: State Active, Type Dhcp, LeaseDuration 8 days; ScopeId is StartRange AND SubnetMask', async () => {
    const s = await one(
      'DHCP1',
      "Add-DhcpServerv4Scope -StartRange '10.1.1.10' -EndRange '10.1.1.200' -SubnetMask '255.255.255.0' -Name 'a'\n" +
        "$s = Get-DhcpServerv4Scope -ScopeId '10.1.1.0'\n" +
        '$v = @{ id = $s.ScopeId.IPAddressToString; mask = $s.SubnetMask.IPAddressToString; start = $s.StartRange.IPAddressToString; end = $s.EndRange.IPAddressToString; state = $s.State; type = $s.Type; lease = $s.LeaseDuration.TotalSeconds; name = $s.Name; description = $s.Description }',
    );
    expect(s.value).toEqual({
      id: '10.1.1.0',
      mask: '255.255.255.0',
      start: '10.1.1.10',
      end: '10.1.1.200',
      state: 'Active',
      type: 'Dhcp',
      lease: 691200,
      name: 'a',
      description: '',
    });
  });

  test('scope rules: exists 20004, missing 20005 (Get, Set, Remove), range outside the subnet 20023, Set changes only what is given', async () => {
    const add =
      "Add-DhcpServerv4Scope -StartRange '10.1.2.1' -EndRange '10.1.2.99' -SubnetMask '255.255.255.0' -Name 'b' -State 'InActive' -LeaseDuration ([TimeSpan]::FromSeconds(3600))";
    const r = await steps(
      'DHCP1',
      add,
      add,
      "Get-DhcpServerv4Scope -ScopeId '10.9.9.0'",
      "Set-DhcpServerv4Scope -ScopeId '10.9.9.0' -Name 'x'",
      "Remove-DhcpServerv4Scope -ScopeId '10.9.9.0'",
      "Add-DhcpServerv4Scope -StartRange '10.1.3.1' -EndRange '10.1.4.9' -SubnetMask '255.255.255.0' -Name 'c'",
      "Set-DhcpServerv4Scope -ScopeId '10.1.2.0' -Description 'd'\n$s = Get-DhcpServerv4Scope -ScopeId '10.1.2.0'\n$v = @{ name = $s.Name; d = $s.Description; state = $s.State; lease = $s.LeaseDuration.TotalSeconds }",
    );
    expect(r.map((s) => s.errorId ?? 'ok')).toEqual([
      'ok',
      'DHCP 20004,Add-DhcpServerv4Scope',
      'DHCP 20005,Get-DhcpServerv4Scope',
      'DHCP 20005,Set-DhcpServerv4Scope',
      'DHCP 20005,Remove-DhcpServerv4Scope',
      'DHCP 20023,Add-DhcpServerv4Scope',
      'ok',
    ]);
    expect(r[6].value).toEqual({ name: 'b', d: 'd', state: 'InActive', lease: 3600 });
  });

  test('exclusion ranges: inside the scope range only, no overlap (20023); removal', async () => {
    await estate.seedScope('DHCP1', { scopeId: '10.1.5.0', startRange: '10.1.5.1', endRange: '10.1.5.254' });
    const r = await steps(
      'DHCP1',
      "Add-DhcpServerv4ExclusionRange -ScopeId '10.1.5.0' -StartRange '10.1.5.10' -EndRange '10.1.5.20'",
      "Add-DhcpServerv4ExclusionRange -ScopeId '10.1.5.0' -StartRange '10.1.5.15' -EndRange '10.1.5.30'",
      "Add-DhcpServerv4ExclusionRange -ScopeId '10.1.6.0' -StartRange '10.1.6.15' -EndRange '10.1.6.30'",
      "$v = @(Get-DhcpServerv4ExclusionRange -ScopeId '10.1.5.0' | ForEach-Object { $_.StartRange.IPAddressToString })",
      "Remove-DhcpServerv4ExclusionRange -ScopeId '10.1.5.0' -StartRange '10.1.5.10' -EndRange '10.1.5.20'\n$v = @(Get-DhcpServerv4ExclusionRange -ScopeId '10.1.5.0').Count",
    );
    expect(r.map((s) => s.errorId ?? s.value)).toEqual([
      null,
      'DHCP 20023,Add-DhcpServerv4ExclusionRange',
      'DHCP 20005,Add-DhcpServerv4ExclusionRange',
      ['10.1.5.10'],
      0,
    ]);
  });

  test('Add-DhcpServerv4Reservation: Type defaults to Both; address or client id in use 20022; outside the range 20023; missing 20018', async () => {
    await estate.seedScope('DHCP1', { scopeId: '10.1.7.0', startRange: '10.1.7.1', endRange: '10.1.7.100' });
    const r = await steps(
      'DHCP1',
      "Add-DhcpServerv4Reservation -ScopeId '10.1.7.0' -IPAddress '10.1.7.5' -ClientId '00:1A:2b-3c4d5e' -Name 'pc' -Description 'desk'\n$x = Get-DhcpServerv4Reservation -IPAddress '10.1.7.5'\n$v = @{ ip = $x.IPAddress.IPAddressToString; scope = $x.ScopeId.IPAddressToString; id = $x.ClientId; type = $x.Type; name = $x.Name; d = $x.Description }",
      "Add-DhcpServerv4Reservation -ScopeId '10.1.7.0' -IPAddress '10.1.7.6' -ClientId '00-1a-2b-3c-4d-5e'",
      "Add-DhcpServerv4Reservation -ScopeId '10.1.7.0' -IPAddress '10.1.7.200' -ClientId '00-1a-2b-3c-4d-5f'",
      "Get-DhcpServerv4Reservation -IPAddress '10.1.7.7'",
      "Set-DhcpServerv4Reservation -IPAddress '10.1.7.5' -Name 'renamed' -Type 'Dhcp'\n$v = (Get-DhcpServerv4Reservation -ScopeId '10.1.7.0').Type",
      "Remove-DhcpServerv4Reservation -IPAddress '10.1.7.5'\n$v = @(Get-DhcpServerv4Reservation -ScopeId '10.1.7.0').Count",
    );
    expect(r[0].value).toEqual({
      ip: '10.1.7.5',
      scope: '10.1.7.0',
      id: '00-1a-2b-3c-4d-5e',
      type: 'Both',
      name: 'pc',
      d: 'desk',
    });
    expect(r.slice(1).map((s) => s.errorId ?? s.value)).toEqual([
      'DHCP 20022,Add-DhcpServerv4Reservation',
      'DHCP 20023,Add-DhcpServerv4Reservation',
      'DHCP 20018,Get-DhcpServerv4Reservation',
      'Dhcp',
      0,
    ]);
  });

  test('option values at scope (-ScopeId) and reservation (-ReservedIP) level; undefined option 20010; wrong value type Win32 87', async () => {
    await estate.seedScope('DHCP1', { scopeId: '10.1.8.0', startRange: '10.1.8.1', endRange: '10.1.8.100' });
    await estate.seedReservation('DHCP1', '10.1.8.0', {
      ipAddress: '10.1.8.9',
      clientId: '00-00-00-00-08-09',
    });
    const r = await steps(
      'DHCP1',
      "Set-DhcpServerv4OptionValue -ScopeId '10.1.8.0' -OptionId 6 -Value @('10.0.0.53', '10.0.0.54')\nSet-DhcpServerv4OptionValue -ScopeId '10.1.8.0' -Router @('10.1.8.1')\n$v = @(Get-DhcpServerv4OptionValue -ScopeId '10.1.8.0' | ForEach-Object { @{ id = $_.OptionId; name = $_.Name; type = $_.Type; value = $_.Value } })",
      "Set-DhcpServerv4OptionValue -ReservedIP '10.1.8.9' -OptionId 15 -Value @('example.test')\n$v = (Get-DhcpServerv4OptionValue -ReservedIP '10.1.8.9' -OptionId 15).Value",
      "Set-DhcpServerv4OptionValue -ScopeId '10.1.8.0' -OptionId 199 -Value @('x')",
      "Set-DhcpServerv4OptionValue -ScopeId '10.1.8.0' -OptionId 3 -Value @('not-an-address')",
      "Remove-DhcpServerv4OptionValue -ScopeId '10.1.8.0' -OptionId 6\nGet-DhcpServerv4OptionValue -ScopeId '10.1.8.0' -OptionId 6",
      "Set-DhcpServerv4OptionValue -ReservedIP '10.1.8.10' -OptionId 15 -Value @('x')",
    );
    expect(r[0].value).toEqual([
      { id: 3, name: 'Router', type: 'IPv4Address', value: ['10.1.8.1'] },
      { id: 6, name: 'DNS Servers', type: 'IPv4Address', value: ['10.0.0.53', '10.0.0.54'] },
    ]);
    expect(r.slice(1).map((s) => s.errorId ?? s.value)).toEqual([
      ['example.test'],
      'DHCP 20010,Set-DhcpServerv4OptionValue',
      'WIN32 87,Set-DhcpServerv4OptionValue',
      'DHCP 20010,Get-DhcpServerv4OptionValue',
      'DHCP 20018,Set-DhcpServerv4OptionValue',
    ]);
  });
});

describe('parameter binding (PowerShell rules, documented parameter sets and types)', () => {
  test.each([
    ['Get-DhcpServerv4Scope -Bogus 1', 'NamedParameterNotFound,Get-DhcpServerv4Scope'],
    [
      "Add-DhcpServerv4Scope -StartRange '10.2.0.1' -EndRange '10.2.0.9' -SubnetMask '255.255.255.0' -Name 'x' -State 'Enabled'",
      'ParameterArgumentValidationError,Add-DhcpServerv4Scope',
    ],
    [
      "Get-DhcpServerv4Scope -ScopeId 'ten.one'",
      'ParameterArgumentTransformationError,Get-DhcpServerv4Scope',
    ],
    [
      "Add-DhcpServerv4Failover -Name 'r' -PartnerServer 'DHCP2' -ScopeId '10.2.0.0' -LoadBalancePercent -1",
      'ParameterArgumentTransformationError,Add-DhcpServerv4Failover',
    ],
    [
      "Add-DhcpServerv4Failover -Name 'r' -PartnerServer 'DHCP2' -ScopeId '10.2.0.0' -AutoStateTransition 'yes'",
      'ParameterArgumentTransformationError,Add-DhcpServerv4Failover',
    ],
    // LoadBalancePercent belongs to the LoadBalance set, ReservePercent to HotStandby: no set has both.
    [
      "Add-DhcpServerv4Failover -Name 'r' -PartnerServer 'DHCP2' -ScopeId '10.2.0.0' -LoadBalancePercent 50 -ReservePercent 5",
      'AmbiguousParameterSet,Add-DhcpServerv4Failover',
    ],
    [
      "Add-DhcpServerv4Scope -StartRange '10.2.0.1' -EndRange '10.2.0.9' -SubnetMask '255.255.255.0'",
      'MissingMandatoryParameter,Add-DhcpServerv4Scope',
    ],
    [
      "Get-DhcpServerv4Scope -ScopeId '10.2.0.0' -ScopeId '10.2.1.0'",
      'ParameterAlreadyBound,Get-DhcpServerv4Scope',
    ],
    [
      "Add-DhcpServerv4Failover -Name 'r' -PartnerServer 'DHCP2' -ScopeId '10.2.0.0' -ServerRole 'Primary'",
      'ParameterArgumentValidationError,Add-DhcpServerv4Failover',
    ],
    ["Get-DhcpServerv4Scope -ComputerName 'other'", 'NotEmulated'],
    // No ValidateRange on the percentages (none documented): the server refuses them, ERROR_INVALID_PARAMETER.
    [
      "Add-DhcpServerv4Failover -Name 'r' -PartnerServer 'DHCP2' -ScopeId '10.2.0.0' -LoadBalancePercent 101",
      'WIN32 87,Add-DhcpServerv4Failover',
    ],
    // ERROR_DHCP_FO_RELATIONSHIP_NAME_TOO_LONG; the limit (126) is the emulator's assumption, see docs/windows.md.
    [
      `Add-DhcpServerv4Failover -Name '${'n'.repeat(127)}' -PartnerServer 'DHCP2' -ScopeId '10.2.0.0'`,
      'DHCP 20125,Add-DhcpServerv4Failover',
    ],
  ])('%s → %s', async (call, errorId) => {
    expect(await one('DHCP1', call)).toMatchObject({ ok: false, errorId });
  });

  test('unique parameter prefixes bind (-Scope for -ScopeId), as PowerShell allows', async () => {
    await estate.seedScope('DHCP1', { scopeId: '10.2.2.0', startRange: '10.2.2.1', endRange: '10.2.2.9' });
    expect(await one('DHCP1', "$v = (Get-DhcpServerv4Scope -Scope '10.2.2.0').Name")).toMatchObject({
      ok: true,
      value: '10.2.2.0',
    });
  });
});

describe('failover (Add/Set/Remove-DhcpServerv4Failover, Add/Remove-DhcpServerv4FailoverScope pages)', () => {
  const failover = '$f = Get-DhcpServerv4Failover -Name ';
  const view =
    '\n$v = @{ partner = $f.PartnerServer; mode = $f.Mode; role = $f.ServerRole; lb = $f.LoadBalancePercent; reserve = $f.ReservePercent; scopes = @($f.ScopeId | ForEach-Object { $_.IPAddressToString }); mclt = $f.MaxClientLeadTime.TotalSeconds; auto = $f.AutoStateTransition; auth = $f.EnableAuth; state = $f.State; type = $f.ServerType }';

  test('Add-DhcpServerv4Failover (load balance, partner by name) creates it on both, mirrored, and the scopes on the partner', async () => {
    await estate.seedScope('DHCP1', {
      scopeId: '10.3.1.0',
      startRange: '10.3.1.1',
      endRange: '10.3.1.99',
      name: 'lb scope',
    });
    await estate.seedReservation('DHCP1', '10.3.1.0', {
      ipAddress: '10.3.1.5',
      clientId: '00-00-00-03-01-05',
    });
    await estate.seedOption('DHCP1', { scopeId: '10.3.1.0' }, 3, ['10.3.1.1']);
    const local = await one(
      'DHCP1',
      `Add-DhcpServerv4Failover -Name 'lb-1' -PartnerServer 'DHCP2' -ScopeId @('10.3.1.0') -LoadBalancePercent 70\n${failover}'lb-1'${view}`,
    );
    // Documented defaults: MaxClientLeadTime 1 hour, AutoStateTransition False.
    expect(local.value).toEqual({
      partner: 'DHCP2',
      mode: 'LoadBalance',
      role: 'Active',
      lb: 70,
      reserve: 0,
      scopes: ['10.3.1.0'],
      mclt: 3600,
      auto: false,
      auth: false,
      state: 'Normal',
      type: 'PrimaryServer',
    });
    const partner = await one('DHCP2', `${failover}'lb-1'${view}`);
    expect(partner.value).toMatchObject({
      partner: 'DHCP1',
      lb: 30,
      scopes: ['10.3.1.0'],
      type: 'SecondaryServer',
      state: 'Normal',
    });
    const copy = (await estate.serverState('DHCP2')).scopes['10.3.1.0'];
    expect(copy).toMatchObject({ name: 'lb scope', options: { '3': ['10.3.1.1'] } });
    expect(copy.reservations.map((r) => r.ipAddress)).toEqual(['10.3.1.5']);
  });

  test('hot standby, partner by IP address: ServerRole defaults to Active locally (Standby on the partner), ReservePercent 5; StateSwitchInterval turns AutoStateTransition on', async () => {
    await estate.seedScope('DHCP1', { scopeId: '10.3.2.0', startRange: '10.3.2.1', endRange: '10.3.2.99' });
    const ip = estate.server('DHCP3').host;
    const local = await one(
      'DHCP1',
      `Add-DhcpServerv4Failover -Name 'hs-1' -PartnerServer '${ip}' -ScopeId @('10.3.2.0') -ServerRole 'Active' -StateSwitchInterval ([TimeSpan]::FromSeconds(7200))\n${failover}'hs-1'${view}`,
    );
    expect(local.value).toMatchObject({
      partner: ip,
      mode: 'HotStandby',
      role: 'Active',
      reserve: 5,
      auto: true,
    });
    expect((await one('DHCP3', `${failover}'hs-1'${view}`)).value).toMatchObject({
      partner: 'DHCP1',
      role: 'Standby',
      reserve: 5,
    });
  });

  test('relationship rules: name exists 20114, scope already in one 20113, scope missing 20005, relationship missing 20115, scope not in it 20116, removing a failover scope 20113', async () => {
    await estate.seedScope('DHCP1', { scopeId: '10.3.3.0', startRange: '10.3.3.1', endRange: '10.3.3.99' });
    await estate.seedScope('DHCP1', { scopeId: '10.3.4.0', startRange: '10.3.4.1', endRange: '10.3.4.99' });
    await estate.seedRelationship({
      name: 'rules',
      primary: 'DHCP1',
      secondary: 'DHCP2',
      scopeIds: ['10.3.3.0'],
    });
    const r = await steps(
      'DHCP1',
      "Add-DhcpServerv4Failover -Name 'RULES' -PartnerServer 'DHCP2' -ScopeId @('10.3.4.0')",
      "Add-DhcpServerv4Failover -Name 'other' -PartnerServer 'DHCP2' -ScopeId @('10.3.3.0')",
      "Add-DhcpServerv4Failover -Name 'other' -PartnerServer 'DHCP2' -ScopeId @('10.3.99.0')",
      "Get-DhcpServerv4Failover -Name 'nope'",
      "Get-DhcpServerv4Failover -ScopeId '10.3.4.0'",
      "Remove-DhcpServerv4FailoverScope -Name 'rules' -ScopeId @('10.3.4.0')",
      "Remove-DhcpServerv4Scope -ScopeId '10.3.3.0'",
      "Set-DhcpServerv4Failover -Name 'rules' -ReservePercent 10",
    );
    expect(r.map((s) => s.errorId)).toEqual([
      'DHCP 20114,Add-DhcpServerv4Failover',
      'DHCP 20113,Add-DhcpServerv4Failover',
      'DHCP 20005,Add-DhcpServerv4Failover',
      'DHCP 20115,Get-DhcpServerv4Failover',
      'DHCP 20116,Get-DhcpServerv4Failover',
      'DHCP 20116,Remove-DhcpServerv4FailoverScope',
      'DHCP 20113,Remove-DhcpServerv4Scope',
      // ReservePercent applies to hot standby only (Set-DhcpServerv4Failover description).
      'WIN32 87,Set-DhcpServerv4Failover',
    ]);
  });

  test('20117: adding scopes on the secondary side; 20128: at most 31 relationships per server', async () => {
    await estate.seedScope('DHCP3', { scopeId: '10.3.5.0', startRange: '10.3.5.1', endRange: '10.3.5.99' });
    await estate.seedRelationship({ name: 'sec', primary: 'DHCP2', secondary: 'DHCP3', scopeIds: [] });
    expect(
      await one('DHCP3', "Add-DhcpServerv4FailoverScope -Name 'sec' -ScopeId @('10.3.5.0')"),
    ).toMatchObject({ errorId: 'DHCP 20117,Add-DhcpServerv4FailoverScope' });
    const existing = (await estate.serverState('DHCP3')).relationships.length;
    for (let i = existing; i < 31; i++)
      await estate.seedRelationship({
        name: `fill-${i}`,
        primary: 'DHCP3',
        secondary: 'DHCP2',
        scopeIds: [],
      });
    expect(
      await one(
        'DHCP3',
        "Add-DhcpServerv4Failover -Name 'the-32nd' -PartnerServer 'DHCP1' -ScopeId @('10.3.5.0')",
      ),
    ).toMatchObject({ errorId: 'DHCP 20128,Add-DhcpServerv4Failover' });
    await estate.update((st) => {
      for (const s of Object.values(st.servers))
        s.relationships = s.relationships.filter((r) => !r.name.startsWith('fill-'));
    });
  });

  test('a SharedSecret asks for confirmation: refused in -NonInteractive without -Force; with -Force EnableAuth is on both sides', async () => {
    await estate.seedScope('DHCP1', { scopeId: '10.3.6.0', startRange: '10.3.6.1', endRange: '10.3.6.99' });
    const r = await steps(
      'DHCP1',
      "Add-DhcpServerv4Failover -Name 'auth' -PartnerServer 'DHCP2' -ScopeId @('10.3.6.0') -SharedSecret 's3cret'",
      "Add-DhcpServerv4Failover -Name 'auth' -PartnerServer 'DHCP2' -ScopeId @('10.3.6.0') -SharedSecret 's3cret' -Force\n$v = (Get-DhcpServerv4Failover -Name 'auth').EnableAuth",
    );
    expect(r[0]).toMatchObject({ ok: false, message: expect.stringMatching(/NonInteractive/) as unknown });
    expect(r[1]).toMatchObject({ ok: true, value: true });
    expect(await one('DHCP2', "$v = (Get-DhcpServerv4Failover -Name 'auth').EnableAuth")).toMatchObject({
      value: true,
    });
  });

  test('Set-DhcpServerv4Failover changes both sides (mirrored load-balance share)', async () => {
    await estate.seedScope('DHCP1', { scopeId: '10.3.7.0', startRange: '10.3.7.1', endRange: '10.3.7.99' });
    await estate.seedRelationship({
      name: 'set-1',
      primary: 'DHCP1',
      secondary: 'DHCP2',
      scopeIds: ['10.3.7.0'],
    });
    await one(
      'DHCP1',
      "Set-DhcpServerv4Failover -Name 'set-1' -LoadBalancePercent 80 -MaxClientLeadTime ([TimeSpan]::FromSeconds(7200))",
    );
    expect((await one('DHCP2', `${failover}'set-1'${view}`)).value).toMatchObject({ lb: 20, mclt: 7200 });
  });

  test('Add-DhcpServerv4FailoverScope copies the scope to the partner; Remove-DhcpServerv4FailoverScope deletes the partner copy and keeps the local one', async () => {
    await estate.seedScope('DHCP1', { scopeId: '10.3.8.0', startRange: '10.3.8.1', endRange: '10.3.8.99' });
    await estate.seedScope('DHCP1', { scopeId: '10.3.9.0', startRange: '10.3.9.1', endRange: '10.3.9.99' });
    await estate.seedRelationship({
      name: 'scopes',
      primary: 'DHCP1',
      secondary: 'DHCP2',
      scopeIds: ['10.3.8.0'],
    });
    await one('DHCP1', "Add-DhcpServerv4FailoverScope -Name 'scopes' -ScopeId @('10.3.9.0')");
    expect((await one('DHCP2', `${failover}'scopes'${view}`)).value).toMatchObject({
      scopes: ['10.3.8.0', '10.3.9.0'],
    });
    expect((await estate.serverState('DHCP2')).scopes['10.3.9.0']).toBeDefined();
    await one('DHCP1', "Remove-DhcpServerv4FailoverScope -Name 'scopes' -ScopeId @('10.3.8.0')");
    const [one1, two] = [await estate.serverState('DHCP1'), await estate.serverState('DHCP2')];
    expect(one1.scopes['10.3.8.0']).toBeDefined();
    expect(two.scopes['10.3.8.0']).toBeUndefined();
    expect(two.relationships.find((r) => r.name === 'scopes')?.scopeIds).toEqual(['10.3.9.0']);
  });

  test("a partner's scope outside the relationship: Add-DhcpServerv4FailoverScope refuses while the partner has it (20004); Remove-DhcpServerv4FailoverScope deletes it with the partner's copies", async () => {
    await estate.seedScope('DHCP1', {
      scopeId: '10.3.12.0',
      startRange: '10.3.12.1',
      endRange: '10.3.12.99',
    });
    await estate.seedScope('DHCP1', {
      scopeId: '10.3.13.0',
      startRange: '10.3.13.1',
      endRange: '10.3.13.99',
    });
    await estate.seedRelationship({
      name: 'standalone',
      primary: 'DHCP1',
      secondary: 'DHCP2',
      scopeIds: ['10.3.12.0'],
    });
    // DHCP2 has its own 10.3.13.0 (in no relationship), and its copy of 10.3.12.0 left its side of the relationship.
    await estate.seedScope('DHCP2', {
      scopeId: '10.3.13.0',
      startRange: '10.3.13.1',
      endRange: '10.3.13.50',
    });
    await estate.update((state) => {
      for (const item of state.servers['dhcp2'].relationships)
        item.scopeIds = item.scopeIds.filter((id) => id !== '10.3.12.0');
    });
    const added = await one(
      'DHCP1',
      "Add-DhcpServerv4FailoverScope -Name 'standalone' -ScopeId @('10.3.13.0')",
    );
    expect(added.errorId).toBe('DHCP 20004,Add-DhcpServerv4FailoverScope');
    expect((await estate.serverState('DHCP2')).scopes['10.3.13.0'].endRange).toBe('10.3.13.50');
    // Microsoft: the cmdlet "also deletes the scopes from the partner", whether or not the partner's side lists them.
    await one('DHCP1', "Remove-DhcpServerv4FailoverScope -Name 'standalone' -ScopeId @('10.3.12.0')");
    const [one1, two] = [await estate.serverState('DHCP1'), await estate.serverState('DHCP2')];
    expect(one1.scopes['10.3.12.0']).toBeDefined();
    expect(two.scopes['10.3.12.0']).toBeUndefined();
  });

  test('Remove-DhcpServerv4Failover removes the relationship from both servers; the scopes stay on both', async () => {
    await estate.seedScope('DHCP1', {
      scopeId: '10.3.10.0',
      startRange: '10.3.10.1',
      endRange: '10.3.10.99',
    });
    await estate.seedRelationship({
      name: 'gone',
      primary: 'DHCP1',
      secondary: 'DHCP2',
      scopeIds: ['10.3.10.0'],
    });
    await one('DHCP2', "Remove-DhcpServerv4Failover -Name 'gone'");
    const [a, b] = [await estate.serverState('DHCP1'), await estate.serverState('DHCP2')];
    expect([a, b].map((s) => s.relationships.some((r) => r.name === 'gone'))).toEqual([false, false]);
    expect([a, b].map((s) => s.scopes['10.3.10.0'] !== undefined)).toEqual([true, true]);
  });

  test('Invoke-DhcpServerv4FailoverReplication (with -Force) copies the local scope configuration to the partner', async () => {
    await estate.seedScope('DHCP1', {
      scopeId: '10.3.11.0',
      startRange: '10.3.11.1',
      endRange: '10.3.11.99',
    });
    await estate.seedRelationship({
      name: 'repl',
      primary: 'DHCP1',
      secondary: 'DHCP2',
      scopeIds: ['10.3.11.0'],
    });
    const r = await steps(
      'DHCP1',
      "Invoke-DhcpServerv4FailoverReplication -Name 'repl'",
      "Add-DhcpServerv4Reservation -ScopeId '10.3.11.0' -IPAddress '10.3.11.7' -ClientId '00-00-00-03-0b-07'\nInvoke-DhcpServerv4FailoverReplication -Name 'repl' -Force",
    );
    expect(r[0]).toMatchObject({ ok: false });
    expect(r[1]).toMatchObject({ ok: true });
    expect(
      (await estate.serverState('DHCP2')).scopes['10.3.11.0'].reservations.map((x) => x.ipAddress),
    ).toEqual(['10.3.11.7']);
  });
});

describe('injection (docs/windows.md, Values: single quotes doubled)', () => {
  const payload = "'; Remove-DhcpServerv4Scope -ScopeId '10.4.1.0'; $x = '";
  beforeEach(async () => {
    await estate.seedScope('DHCP1', { scopeId: '10.4.1.0', startRange: '10.4.1.1', endRange: '10.4.1.99' });
    await estate.seedScope('DHCP1', { scopeId: '10.4.2.0', startRange: '10.4.2.1', endRange: '10.4.2.99' });
  });

  test('a Name with its quotes doubled arrives as text', async () => {
    expect(await one('DHCP1', `Set-DhcpServerv4Scope -ScopeId '10.4.2.0' -Name ${q(payload)}`)).toMatchObject(
      { ok: true },
    );
    const state = await estate.serverState('DHCP1');
    expect(state.scopes['10.4.2.0'].name).toBe(payload);
    expect(state.scopes['10.4.1.0']).toBeDefined();
  });

  test('the same value spliced raw is parsed as code: the Remove runs', async () => {
    expect(await one('DHCP1', `Set-DhcpServerv4Scope -ScopeId '10.4.2.0' -Name '${payload}'`)).toMatchObject({
      ok: true,
    });
    const state = await estate.serverState('DHCP1');
    expect(state.scopes['10.4.1.0']).toBeUndefined();
    expect(state.scopes['10.4.2.0'].name).toBe('');
  });

  test('PowerShell also ends a single-quoted string at a typographic quote (U+2019): only doubling it keeps it text', async () => {
    const smart = payload.replace(/'/g, '\u2019');
    expect(
      await one(
        'DHCP1',
        `Set-DhcpServerv4Scope -ScopeId '10.4.2.0' -Name '${smart.replace(/\u2019/g, '\u2019\u2019')}'`,
      ),
    ).toMatchObject({ ok: true });
    expect((await estate.serverState('DHCP1')).scopes['10.4.1.0']).toBeDefined();
    await one('DHCP1', `Set-DhcpServerv4Scope -ScopeId '10.4.2.0' -Name '${smart}'`);
    expect((await estate.serverState('DHCP1')).scopes['10.4.1.0']).toBeUndefined();
  });
});

describe('misbehaviour set per server (faults) and the session log', () => {
  afterEach(async () => {
    for (const s of ['DHCP1', 'DHCP2', 'DHCP3']) await estate.setFaults(s, {});
  });

  test('a dropped connection after the Nth cmdlet: no output, no exit status; the cmdlets before it took effect', async () => {
    await estate.setFaults('DHCP3', { dropAfterCmdlets: 2 });
    const add = (n: number): string =>
      `Add-DhcpServerv4Scope -StartRange '10.5.${n}.1' -EndRange '10.5.${n}.9' -SubnetMask '255.255.255.0' -Name 'd${n}'`;
    const r: RunResult = await estate.run('DHCP3', script(add(1), add(2), add(3)));
    expect(r).toMatchObject({ stdout: '', dropped: true });
    const scopes = (await estate.serverState('DHCP3')).scopes;
    expect(['10.5.1.0', '10.5.2.0', '10.5.3.0'].map((id) => id in scopes)).toEqual([true, true, false]);
    expect((await estate.sessions('DHCP3')).at(-1)).toMatchObject({ outcome: 'dropped', cmdlets: 2 });
  });

  test('an error on the Nth cmdlet with a given Win32 code', async () => {
    await estate.setFaults('DHCP3', { failCommand: { n: 2, code: 1722 } });
    const r = await steps('DHCP3', ...Array.from({ length: 3 }, () => '$null = Get-DhcpServerv4Scope'));
    expect(r.map((s) => s.errorId ?? 'ok')).toEqual(['ok', 'WIN32 1722,Get-DhcpServerv4Scope', 'ok']);
  });

  test('an error on the Nth call of a named cmdlet; other cmdlets run', async () => {
    await estate.setFaults('DHCP3', { failCommand: { n: 2, code: 20005, cmdlet: 'get-dhcpserverv4scope' } });
    const r = await steps(
      'DHCP3',
      '$null = Get-DhcpServerv4Failover',
      '$null = Get-DhcpServerv4Scope',
      '$null = Get-DhcpServerv4Failover',
      '$null = Get-DhcpServerv4Scope',
      '$null = Get-DhcpServerv4Failover',
      '$null = Get-DhcpServerv4Scope',
    );
    expect(r.map((s) => s.errorId ?? 'ok')).toEqual([
      'ok',
      'ok',
      'ok',
      'DHCP 20005,Get-DhcpServerv4Scope',
      'ok',
      'ok',
    ]);
  });

  test('a slow server answers late: a client that waits less times out', async () => {
    await estate.setFaults('DHCP3', { delayMs: 3_000 });
    const target = estate.server('DHCP3');
    const { runOverSsh } = await import('../support/windows/windows-estate.js');
    await expect(runOverSsh(target, script('Get-DhcpServerv4Scope'), undefined, 1_000)).rejects.toThrow(
      /timed out/,
    );
    expect(await estate.run('DHCP3', script('$v = 1'))).toMatchObject({ code: 0 });
  });

  test('partner down: cmdlets that need it fail with 1722; the survivor shows CommunicationInterrupted; the down server fails its own cmdlets', async () => {
    await estate.seedScope('DHCP1', {
      scopeId: '10.5.10.0',
      startRange: '10.5.10.1',
      endRange: '10.5.10.99',
    });
    await estate.seedScope('DHCP1', {
      scopeId: '10.5.11.0',
      startRange: '10.5.11.1',
      endRange: '10.5.11.99',
    });
    await estate.seedRelationship({
      name: 'down',
      primary: 'DHCP1',
      secondary: 'DHCP2',
      scopeIds: ['10.5.10.0'],
    });
    await estate.setFaults('DHCP2', { down: true });
    const r = await steps(
      'DHCP1',
      "Add-DhcpServerv4FailoverScope -Name 'down' -ScopeId @('10.5.11.0')",
      "$v = (Get-DhcpServerv4Failover -Name 'down').State",
      "Remove-DhcpServerv4Failover -Name 'down'",
    );
    expect(r.map((s) => s.errorId ?? s.value)).toEqual([
      'WIN32 1722,Add-DhcpServerv4FailoverScope',
      'CommunicationInterrupted',
      'WIN32 1722,Remove-DhcpServerv4Failover',
    ]);
    expect(await one('DHCP2', 'Get-DhcpServerv4Scope')).toMatchObject({
      errorId: 'WIN32 1722,Get-DhcpServerv4Scope',
    });
    await estate.setFaults('DHCP2', {});
    expect(await one('DHCP1', "$v = (Get-DhcpServerv4Failover -Name 'down').State")).toMatchObject({
      value: 'Normal',
    });
  });

  test('the session log has one line per SSH session with its cmdlet count and outcome', async () => {
    const before = (await estate.sessions('DHCP2')).length;
    await estate.run('DHCP2', script('Get-DhcpServerv4Scope', 'Get-DhcpServerv4Failover'));
    await estate.run('DHCP2', script('Get-DhcpServerv4Scope -ScopeId 1.2.3'));
    const lines = (await estate.sessions('DHCP2')).slice(before);
    expect(lines.map((l) => [l.cmdlets, l.outcome])).toEqual([
      [2, 'ok'],
      [0, 'ok'],
    ]);
  });

  test('two sessions at once on partner servers lose no update (the estate lock)', async () => {
    const adds = (server: string, base: number): Promise<RunResult> =>
      estate.run(
        server,
        script(
          ...Array.from(
            { length: 30 },
            (_, i) =>
              `Add-DhcpServerv4Scope -StartRange '10.${base}.${i}.1' -EndRange '10.${base}.${i}.9' -SubnetMask '255.255.255.0' -Name 'c'`,
          ),
        ),
      );
    const results = await Promise.all([adds('DHCP1', 60), adds('DHCP2', 61), adds('DHCP1', 62)]);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    const [a, b] = [await estate.serverState('DHCP1'), await estate.serverState('DHCP2')];
    expect(Object.keys(a.scopes).filter((id) => /^10\.6[02]\./.test(id))).toHaveLength(60);
    expect(Object.keys(b.scopes).filter((id) => id.startsWith('10.61.'))).toHaveLength(30);
  });
});
