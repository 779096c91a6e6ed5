import { DriverError, DriverErrorCode } from '../../driver-error.js';
import { toProblem } from '../../../common/problem/problem-mapping.js';
import { parseResults, stepError } from './ps-results.js';

describe('parseResults', () => {
  it('orders results by step and accepts a one-step answer PowerShell unrolled', () => {
    const answer = [
      { step: 1, ok: false, errorId: 'WIN32 20005,Get-DhcpServerv4Scope', message: 'Failed to get scope' },
      { step: 0, ok: true, value: { name: 'a' } },
    ];
    expect(parseResults(answer, 2, 'x').map((r) => r.step)).toEqual([0, 1]);
    expect(parseResults({ step: 0, ok: true, value: 3 }, 1, 'x')).toEqual([{ step: 0, ok: true, value: 3 }]);
    expect(parseResults([], 0, 'x')).toEqual([]);
  });

  it('refuses an answer missing a step, repeating one or naming one that was not sent', () => {
    expect(() => parseResults([{ step: 0, ok: true }], 2, 'x')).toThrow(/no result for step 1 of 2/);
    expect(() =>
      parseResults(
        [
          { step: 0, ok: true },
          { step: 0, ok: true },
        ],
        2,
        'x',
      ),
    ).toThrow(DriverError);
    expect(() => parseResults([{ step: 5, ok: true }], 1, 'x')).toThrow(/not one of the 1 steps/);
    expect(() => parseResults([{ step: 0 }], 1, 'x')).toThrow(DriverError);
  });
});

describe('stepError', () => {
  const failed = (errorId: string, message = 'Microsoft says no') =>
    stepError({ step: 0, ok: false, errorId, message }, 'add 10.1.2.0 to rel');

  it.each([
    ['WIN32 20005,Get-DhcpServerv4Scope', DriverErrorCode.notFound, /scope does not exist/],
    ['DHCP 20005,Get-DhcpServerv4Scope', DriverErrorCode.notFound, /scope does not exist/],
    ['DHCP 20113,Add-DhcpServerv4Failover', DriverErrorCode.conflict, /already part of a failover/],
    ['WIN32 20004,Add-DhcpServerv4Scope', DriverErrorCode.conflict, /already exists/],
    ['WIN32 20113,Add-DhcpServerv4FailoverScope', DriverErrorCode.conflict, /already part of a failover/],
    ['WIN32 20114,Add-DhcpServerv4Failover', DriverErrorCode.conflict, /relationship with this name/],
    ['WIN32 20115,Get-DhcpServerv4Failover', DriverErrorCode.notFound, /relationship does not exist/],
    ['WIN32 20116,Remove-DhcpServerv4FailoverScope', DriverErrorCode.notFound, /not part of a failover/],
    ['WIN32 20117,Set-DhcpServerv4Failover', DriverErrorCode.conflict, /secondary/],
    ['WIN32 20128,Add-DhcpServerv4Failover', DriverErrorCode.conflict, /maximum number/],
    ['WIN32 1722,Add-DhcpServerv4Failover', DriverErrorCode.unreachable, /RPC server/],
    ['WIN32 5,Set-DhcpServerv4Scope', DriverErrorCode.auth, /access denied/],
    ['WIN32 87,Set-DhcpServerv4Scope', DriverErrorCode.invalidConfig, /Windows error 87/],
    ['CommandNotFoundException', DriverErrorCode.unsupported, /no such command/],
    ['NamedParameterNotFound,Add-DhcpServerv4Scope', DriverErrorCode.invalidConfig, /refused/],
    ['ParameterArgumentValidationError,Add-DhcpServerv4Failover', DriverErrorCode.invalidConfig, /refused/],
    ['AmbiguousParameterSet,Add-DhcpServerv4Failover', DriverErrorCode.invalidConfig, /refused/],
  ])('maps %s to %s, keeping the message', (errorId, code, meaning) => {
    const error = failed(errorId);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(meaning);
    expect(error.message).toContain('add 10.1.2.0 to rel');
    expect(error.vendorMessage).toBe('Microsoft says no');
    // The problem says Microsoft's message once (toProblem appends vendorMessage).
    expect(toProblem(error)?.detail.split('Microsoft says no')).toHaveLength(2);
  });

  it('names the cmdlet of a Win32 error', () => {
    expect(failed('WIN32 20005,Get-DhcpServerv4Scope').message).toContain('(Get-DhcpServerv4Scope)');
  });
});
