/**
 * PowerShell error records as a script sees them in `catch { $_ }`: FullyQualifiedErrorId, Exception.Message,
 * CategoryInfo. DhcpServer cmdlets fail with a CimException whose id is `DHCP <code>,<Cmdlet>` for the DHCP
 * server's own codes (20000-20199) and `WIN32 <code>,<Cmdlet>` for generic Win32 codes (5, 87, 1722).
 */
import { PsObject } from './ps-values.js';

export class PsError extends Error {
  constructor(
    readonly fullyQualifiedErrorId: string,
    message: string,
    readonly category: string,
    readonly exceptionType: string,
    /** false: a non-terminating error (written, the script goes on) unless $ErrorActionPreference is 'Stop'. */
    readonly terminating: boolean,
    readonly command = '',
    readonly target = '',
  ) {
    super(message);
  }

  /** `$_` in a catch block. */
  toRecord(): PsObject {
    // Only the message: CimException's NativeErrorCode is an enumeration, not the Win32 code, so none is faked here.
    const exception = new PsObject(this.exceptionType, { Message: this.message });
    const categoryInfo = new PsObject('System.Management.Automation.ErrorCategoryInfo', {
      Category: this.category,
      Activity: this.command,
      Reason: this.exceptionType.split('.').pop(),
      TargetName: this.target,
    });
    return new PsObject('System.Management.Automation.ErrorRecord', {
      FullyQualifiedErrorId: this.fullyQualifiedErrorId,
      Exception: exception,
      CategoryInfo: categoryInfo,
      TargetObject: this.target,
    });
  }
}

const CIM_EXCEPTION = 'Microsoft.Management.Infrastructure.CimException';

/** Text of the generic Win32 codes; DhcpServer messages for DHCP codes are the cmdlet's own sentence only. */
const WIN32_TEXT: Record<number, string> = {
  5: 'Access is denied.',
  87: 'The parameter is incorrect.',
  1722: 'The RPC server is unavailable.',
};

const CATEGORY: Record<number, string> = {
  5: 'PermissionDenied',
  1722: 'ConnectionError',
  20004: 'ResourceExists',
  20005: 'ObjectNotFound',
  20010: 'ObjectNotFound',
  20018: 'ObjectNotFound',
  20021: 'ResourceExists',
  20022: 'ResourceExists',
  20113: 'InvalidOperation',
  20114: 'ResourceExists',
  20115: 'ObjectNotFound',
  20116: 'InvalidOperation',
  20117: 'InvalidOperation',
};

/** A DhcpServer cmdlet's CimException, e.g. `Failed to get scope 10.1.2.0 on DHCP server DHCP1.` / DHCP 20005. */
export function cimError(command: string, code: number, what: string, target = ''): PsError {
  const prefix = code >= 20000 && code < 20200 ? 'DHCP' : 'WIN32';
  const text = prefix === 'WIN32' ? ` ${WIN32_TEXT[code] ?? `Win32 error ${code}.`}` : '';
  return new PsError(
    `${prefix} ${code},${command}`,
    `${what}${text}`,
    CATEGORY[code] ?? 'InvalidData',
    CIM_EXCEPTION,
    false,
    command,
    target,
  );
}

const BINDING = 'System.Management.Automation.ParameterBindingException';

export function bindingError(
  id: string,
  command: string,
  message: string,
  category = 'InvalidArgument',
): PsError {
  return new PsError(`${id},${command}`, message, category, BINDING, true, command);
}

export function commandNotFound(name: string): PsError {
  return new PsError(
    'CommandNotFoundException',
    `The term '${name}' is not recognized as the name of a cmdlet, function, script file, or operable program. ` +
      'Check the spelling of the name, or if a path was included, verify that the path is correct and try again.',
    'ObjectNotFound',
    'System.Management.Automation.CommandNotFoundException',
    true,
    name,
    name,
  );
}

/** What this emulator does not implement although PowerShell would run it: never silently accepted. */
export function notEmulated(what: string): PsError {
  return new PsError(
    'NotEmulated',
    `The Windows DHCP emulator does not implement ${what} (see docs/windows.md, wire contract).`,
    'NotImplemented',
    'System.NotImplementedException',
    true,
  );
}

export function runtimeError(id: string, message: string, category = 'InvalidOperation'): PsError {
  return new PsError(id, message, category, 'System.Management.Automation.RuntimeException', true);
}

/** The text PowerShell writes on stderr for an error record. */
export function formatError(error: PsError, line: number, lineText: string): string {
  const head = error.command ? `${error.command} : ${error.message}` : error.message;
  return [
    head,
    `At line:${line} char:1`,
    `+ ${lineText}`,
    `    + CategoryInfo          : ${error.category}: (${error.target}:) [${error.command}], ${error.exceptionType.split('.').pop()}`,
    `    + FullyQualifiedErrorId : ${error.fullyQualifiedErrorId}`,
    '',
  ].join('\n');
}
