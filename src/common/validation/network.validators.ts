import { isIP } from 'node:net';
import { registerDecorator, type ValidationOptions } from 'class-validator';

const HOSTNAME = /^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$/;

export function isIpv4(value: unknown): value is string {
  return typeof value === 'string' && isIP(value) === 4;
}

/**
 * An IPv4 or IPv6 address, or a DNS host name. A name of digits and dots is no host name (no top-level domain is
 * numeric): it must be a valid IPv4 address, so that a mistyped one (`10.0.0.256`) is refused.
 */
export function isHostOrIp(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (/^[\d.]+$/.test(value)) return isIpv4(value);
  return isIP(value) !== 0 || HOSTNAME.test(value);
}

/**
 * An IPv4 address or a DNS host name: what ISC dhcpd takes as a DHCPv4 failover endpoint (`address`, `peer address`;
 * it refuses IPv6 there). A name of digits and dots is no host name: it must be a valid IPv4 address.
 */
export function isIpv4OrHostName(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (/^[\d.]+$/.test(value)) return isIpv4(value);
  return isIP(value) === 0 && HOSTNAME.test(value);
}

export function IsIpv4OrHostName(options?: ValidationOptions): PropertyDecorator {
  return simpleValidator(
    'isIpv4OrHostName',
    isIpv4OrHostName,
    '$property must be an IPv4 address or a DNS host name such as dhcp1.example.net (dhcpd takes no IPv6 here)',
    options,
  );
}

/**
 * Why `value` cannot name a scope, or `undefined` when it can: a scope is named by its IPv4 network address alone
 * (`10.1.2.0`, as Windows names a ScopeId). The one rule for every place that takes a scope's network: the
 * `{network}` path parameter and the body fields (grants, relationship scopes, replications, ISC peers). A network in
 * CIDR notation is refused with the address to send instead; a host address in it (`10.0.0.5/24`) is named as
 * such. An address without a prefix is taken as it is: only the server knows its scopes' prefixes.
 */
export function scopeNetworkError(value: unknown, property = 'network'): string | undefined {
  if (isIpv4(value)) return undefined;
  if (typeof value === 'string') {
    const [address, bits, ...rest] = value.trim().split('/');
    if (
      rest.length === 0 &&
      isIpv4(address) &&
      bits !== undefined &&
      /^\d{1,2}$/.test(bits) &&
      Number(bits) <= 32
    ) {
      const network = networkAddress(address, Number(bits));
      const cidr = `${network}/${Number(bits)}`;
      const ask = `${property} takes the scope's network address without a prefix length`;
      return network === address
        ? `${ask}: send ${network} for ${cidr}`
        : `${ask}; ${value} is a host address in ${cidr}: send ${network}`;
    }
  }
  return `${property} must be the scope's IPv4 network address, such as 10.1.2.0`;
}

/** The network address of `address` under a prefix of `bits` (e.g. 10.0.0.5, 24 → 10.0.0.0). */
function networkAddress(address: string, bits: number): string {
  const numeric = address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const size = 2 ** (32 - bits);
  const network = numeric - (numeric % size);
  return [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.');
}

/** A scope's network address (see {@link scopeNetworkError}); with `each`, every item of an array. */
export function IsScopeNetwork(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isScopeNetwork',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (args) => {
          // With `each`, the message is made once for the whole array: it speaks of the first item refused.
          const values: unknown[] = options?.each && Array.isArray(args.value) ? args.value : [args.value];
          const bad = values.find((value) => scopeNetworkError(value) !== undefined);
          return scopeNetworkError(bad, options?.each ? `each of ${args.property}` : args.property) ?? '';
        },
        ...options,
      },
      validator: { validate: (value: unknown) => scopeNetworkError(value) === undefined },
    });
  };
}

export function IsHostOrIp(options?: ValidationOptions): PropertyDecorator {
  return simpleValidator(
    'isHostOrIp',
    isHostOrIp,
    '$property must be an IP address or a DNS host name such as dhcp1.example.net',
    options,
  );
}

/** An IPv4 CIDR whose host bits are zero, e.g. `10.1.2.0/24`. */
export function isIpv4Cidr(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const [address, bits, ...rest] = value.split('/');
  if (rest.length > 0 || !isIpv4(address) || bits === undefined || !/^\d{1,2}$/.test(bits)) return false;
  const prefix = Number(bits);
  if (prefix > 32) return false;
  const numeric = address.split('.').reduce((acc, octet) => (acc << 8) + Number(octet), 0) >>> 0;
  const hostMask = prefix === 32 ? 0 : (0xffffffff >>> prefix) >>> 0;
  return (numeric & hostMask) === 0;
}

export function IsIpv4Cidr(options?: ValidationOptions): PropertyDecorator {
  return simpleValidator(
    'isIpv4Cidr',
    isIpv4Cidr,
    '$property must be an IPv4 network in CIDR notation with zero host bits, such as 10.1.2.0/24',
    options,
  );
}

/** An SSH host-key fingerprint as OpenSSH prints it: `SHA256:` and 43 base64 characters. */
export function IsSshFingerprint(options?: ValidationOptions): PropertyDecorator {
  return simpleValidator(
    'isSshFingerprint',
    (value) => typeof value === 'string' && /^SHA256:[A-Za-z0-9+/]{43}=?$/.test(value),
    '$property must be an OpenSSH SHA256 fingerprint such as SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8',
    options,
  );
}

function simpleValidator(
  name: string,
  test: (value: unknown) => boolean,
  message: string,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message, ...options },
      validator: { validate: (value: unknown) => test(value) },
    });
  };
}
