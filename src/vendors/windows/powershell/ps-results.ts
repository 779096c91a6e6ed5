import { DriverError, DriverErrorCode } from '../../driver-error.js';

export type StepResult =
  { step: number; ok: true; value: unknown } | { step: number; ok: false; errorId: string; message: string };

/**
 * Codes of the DhcpServer module (docs/windows.md, "Errors") and what they are in the port's terms. Windows names
 * the DHCP server's own codes (20000-20199) `DHCP <code>` and generic Win32 codes `WIN32 <code>`; both are read.
 */
const WIN32_CODES: Record<number, { code: DriverErrorCode; meaning: string }> = {
  5: { code: DriverErrorCode.auth, meaning: 'access denied' },
  1722: { code: DriverErrorCode.unreachable, meaning: 'the RPC server (the partner) is unavailable' },
  1753: { code: DriverErrorCode.unreachable, meaning: 'no endpoint (the partner) is available' },
  20004: { code: DriverErrorCode.conflict, meaning: 'the scope already exists' },
  20005: { code: DriverErrorCode.notFound, meaning: 'the scope does not exist' },
  20010: { code: DriverErrorCode.notFound, meaning: 'the option (definition or value) does not exist' },
  20018: { code: DriverErrorCode.notFound, meaning: 'no reservation for that address or client id' },
  20022: { code: DriverErrorCode.conflict, meaning: "the reservation's address or client id is in use" },
  20023: {
    code: DriverErrorCode.invalidConfig,
    meaning: 'the range is outside the scope or overlaps another',
  },
  20113: { code: DriverErrorCode.conflict, meaning: 'the scope is already part of a failover relationship' },
  20114: { code: DriverErrorCode.conflict, meaning: 'a failover relationship with this name already exists' },
  20115: { code: DriverErrorCode.notFound, meaning: 'the failover relationship does not exist' },
  20116: { code: DriverErrorCode.notFound, meaning: 'the scope is not part of a failover relationship' },
  20117: {
    code: DriverErrorCode.conflict,
    meaning: 'the relationship is secondary here (only its primary may)',
  },
  20128: {
    code: DriverErrorCode.conflict,
    meaning: 'the maximum number of failover relationships is reached',
  },
};

const CODE_ID = /^(?:WIN32|DHCP) (\d+)(?:,(.*))?$/;

/** PowerShell's own refusals, by the first part of FullyQualifiedErrorId. */
const POWERSHELL_ERRORS: Record<string, DriverErrorCode> = {
  CommandNotFoundException: DriverErrorCode.unsupported,
  NamedParameterNotFound: DriverErrorCode.invalidConfig,
  ParameterArgumentValidationError: DriverErrorCode.invalidConfig,
  ParameterArgumentTransformationError: DriverErrorCode.invalidConfig,
  AmbiguousParameterSet: DriverErrorCode.invalidConfig,
  MissingMandatoryParameter: DriverErrorCode.invalidConfig,
};

/**
 * The batch's answer as one result per step, in step order. Anything else than the documented shape (a missing or
 * repeated step, a result without `ok`) is a `DriverError`: the caller cannot tell what ran, so nothing is assumed.
 */
export function parseResults(answer: unknown, steps: number, description: string): StepResult[] {
  // ConvertTo-Json -InputObject keeps an array, but a PowerShell that unrolled a one-step answer gives the object.
  const items = Array.isArray(answer) ? answer : answer === null || answer === undefined ? [] : [answer];
  const results = new Array<StepResult | undefined>(steps);
  for (const item of items) {
    const result = asStepResult(item);
    if (!result || result.step >= steps || results[result.step]) {
      throw malformed(description, `a result that is not one of the ${steps} steps: ${preview(item)}`);
    }
    results[result.step] = result;
  }
  const missing = results.findIndex((result) => result === undefined);
  if (missing !== -1 || results.length !== steps) {
    throw malformed(
      description,
      `no result for step ${missing === -1 ? results.length : missing} of ${steps}`,
    );
  }
  return results as StepResult[];
}

/**
 * A failed step as a `DriverError`: the Win32 code (or PowerShell's error id) mapped, Microsoft's message kept in
 * `vendorMessage` only (the problem appends it once; withVendorMessage (driver-error.ts) where a message stands alone).
 */
export function stepError(result: Extract<StepResult, { ok: false }>, action: string): DriverError {
  const vendorMessage = result.message || undefined;
  const win32 = CODE_ID.exec(result.errorId);
  if (win32) {
    const known = WIN32_CODES[Number(win32[1])];
    const cmdlet = win32[2] ? ` (${win32[2]})` : '';
    return new DriverError(
      known?.code ?? DriverErrorCode.invalidConfig,
      `${action}: ${known?.meaning ?? `Windows error ${win32[1]}`}${cmdlet}`,
      vendorMessage,
    );
  }
  const kind = result.errorId.split(',')[0] ?? '';
  const code = POWERSHELL_ERRORS[kind] ?? DriverErrorCode.invalidConfig;
  const detail =
    code === DriverErrorCode.unsupported
      ? 'PowerShell has no such command (is the DhcpServer module installed?)'
      : `PowerShell refused it (${result.errorId})`;
  return new DriverError(code, `${action}: ${detail}`, vendorMessage);
}

/** The Win32 code of a failed step, if it has one. */
export function win32Code(result: StepResult): number | undefined {
  if (result.ok) return undefined;
  const match = CODE_ID.exec(result.errorId);
  return match ? Number(match[1]) : undefined;
}

function asStepResult(item: unknown): StepResult | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const record = item as Record<string, unknown>;
  const step = record['step'];
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) return undefined;
  if (record['ok'] === true) return { step, ok: true, value: record['value'] ?? null };
  if (record['ok'] === false) {
    return {
      step,
      ok: false,
      errorId: typeof record['errorId'] === 'string' ? record['errorId'] : '',
      message: typeof record['message'] === 'string' ? record['message'] : '',
    };
  }
  return undefined;
}

function malformed(description: string, what: string): DriverError {
  return new DriverError(DriverErrorCode.invalidConfig, `${description}: the PowerShell answer has ${what}`);
}

function preview(item: unknown): string {
  return JSON.stringify(item)?.slice(0, 200) ?? String(item);
}
