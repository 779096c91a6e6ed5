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

/** An IPv4 network address (the scope id), e.g. `10.1.2.0`: a dotted quad with canonical octets. */
export function IsIpv4Address(options?: ValidationOptions): PropertyDecorator {
  return simpleValidator(
    'isIpv4Address',
    isIpv4,
    '$property must be an IPv4 address such as 10.1.2.0',
    options,
  );
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
