import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
// ssh2 is CommonJS: its `utils` is not a named export Node's ESM loader can see.
import ssh2 from 'ssh2';
import type { FieldError } from '../common/problem/problem-details.js';
import { ProblemException } from '../common/problem/problem.exception.js';
import { flattenValidationErrors } from '../common/validation/validation-errors.js';
import type { Vendor } from '../vendors/vendor.js';
import { ISC_SECRETS, IscConnectionDto } from './dto/isc-connection.dto.js';
import { KEA_SECRETS, KeaConnectionDto } from './dto/kea-connection.dto.js';
import { WINDOWS_SECRETS, WindowsConnectionDto } from './dto/windows-connection.dto.js';

const SHAPES = {
  kea: { dto: KeaConnectionDto, secrets: KEA_SECRETS },
  isc: { dto: IscConnectionDto, secrets: ISC_SECRETS },
  windows: { dto: WindowsConnectionDto, secrets: WINDOWS_SECRETS },
} as const;

export interface SplitConnection {
  /** Stored in clear and returned by the API. */
  settings: Record<string, unknown>;
  /** Sealed at rest, never returned. */
  secrets: Record<string, string>;
}

export function secretNamesOf(vendor: Vendor): readonly string[] {
  return SHAPES[vendor].secrets;
}

/**
 * Field errors for names a PATCH sets to `null` that the vendor's connection does not have: a mistyped secret
 * (`pasword: null`) would otherwise be dropped as "cleared" and the real secret kept.
 */
export function unknownConnectionFields(vendor: Vendor, names: readonly string[]): FieldError[] {
  const known = Object.keys(new SHAPES[vendor].dto());
  return names
    .filter((name) => !known.includes(name))
    .map((name) => ({
      field: `connection.${name}`,
      message: `unknown field "connection.${name}"; remove it`,
    }));
}

/** A registration's connection: settings in clear, secrets opened (undefined: they cannot be, so none is known). */
export interface HeldConnection {
  settings: Record<string, unknown>;
  secrets: Readonly<Record<string, string>> | undefined;
}

/**
 * The fields of a PATCH's `connection` whose value the PATCH changes: a setting or secret sent as it is (a pipeline
 * sending its whole registration again) is no change; a secret that cannot be compared counts as changed.
 */
export function changedConnection(
  sent: Record<string, unknown>,
  before: HeldConnection,
  after: HeldConnection,
): string[] {
  return Object.keys(sent).filter((name) =>
    name in before.settings || name in after.settings
      ? !isDeepStrictEqual(before.settings[name], after.settings[name])
      : before.secrets === undefined || before.secrets[name] !== after.secrets?.[name],
  );
}

/** What the service's operator allows (AppConfig), checked with the fields so a refusal says what to use instead. */
export interface ConnectionPolicy {
  /** ISC transport `local` (ISC_LOCAL_TRANSPORT): dhcpd, the restart command and files on this service's own host. */
  iscLocalTransport: boolean;
}

/**
 * Validates a vendor's connection settings (field rules, then the rules that join fields and what the operator
 * allows, then whether the credentials given can be used) and splits them into settings and secrets.
 * `heldSecrets` are the secrets already stored, which count as given (PATCH without resending).
 */
export function parseConnection(
  vendor: Vendor,
  raw: unknown,
  heldSecrets: Readonly<Record<string, string>>,
  policy: ConnectionPolicy,
): SplitConnection {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw ProblemException.validation([{ field: 'connection', message: 'connection must be an object' }]);
  }
  const shape = SHAPES[vendor];
  // null is "no value", as in a PATCH where it removes one: not a secret whose text is "null", nor a required field.
  const given = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== null));
  const instance = plainToInstance(shape.dto as new () => object, given);
  const fieldErrors = flattenValidationErrors(
    validateSync(instance, {
      whitelist: true,
      forbidNonWhitelisted: true,
      validationError: { target: false },
    }),
    'connection',
  );
  if (fieldErrors.length > 0) {
    throw ProblemException.validation(fieldErrors);
  }
  const settings: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(instance)) {
    if (value === undefined) continue;
    if ((shape.secrets as readonly string[]).includes(key)) secrets[key] = String(value);
    else settings[key] = value;
  }
  const joined = joinedRuleErrors(
    vendor,
    settings,
    new Set([...Object.keys(heldSecrets), ...Object.keys(secrets)]),
  );
  if (vendor === 'isc' && settings['transport'] === 'local' && !policy.iscLocalTransport) {
    // Whoever registers such a server runs its dhcpdPath and restartCommand, and reads and writes its paths, as this
    // service on this service's host: the operator's decision, not a DHCP administrator's.
    joined.push({
      field: 'connection.transport',
      message:
        "transport local runs dhcpd and the restart command, and reads and writes files, on this service's own " +
        'host, which this service does not allow (its operator can: ISC_LOCAL_TRANSPORT=on); use transport ssh',
    });
  }
  if (joined.length > 0) {
    throw ProblemException.validation(joined);
  }
  const unusable =
    vendor === 'kea'
      ? tlsMaterialErrors(settings, { ...heldSecrets, ...secrets })
      : sshKeyErrors(secrets, heldSecrets);
  if (unusable.length > 0) {
    throw ProblemException.validation(unusable);
  }
  return { settings, secrets };
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Certificates and a client key that do not parse, or a client key that is not the certificate's, would be stored
 * and fail at the first connection (a CA that does not parse is even skipped by TLS, which then trusts no one).
 */
function tlsMaterialErrors(settings: Record<string, unknown>, secrets: Record<string, string>): FieldError[] {
  const errors: FieldError[] = [];
  const certificates = (field: 'caCert' | 'clientCert'): X509Certificate[] | undefined => {
    const pem = settings[field];
    if (typeof pem !== 'string') return undefined;
    const blocks = pem.match(PEM_CERTIFICATE) ?? [];
    try {
      if (blocks.length === 0) throw new Error('no BEGIN CERTIFICATE block');
      return blocks.map((block) => new X509Certificate(block));
    } catch (error) {
      errors.push({
        field: `connection.${field}`,
        message: `${field} is not a readable PEM certificate (${(error as Error).message})`,
      });
      return undefined;
    }
  };
  certificates('caCert');
  const client = certificates('clientCert');
  let key: KeyObject | undefined;
  if (secrets['clientKey'] !== undefined) {
    try {
      key = createPrivateKey(secrets['clientKey']);
    } catch (error) {
      // OpenSSL's message names the problem, never the key's content.
      errors.push({
        field: 'connection.clientKey',
        message: `clientKey is not a readable, unencrypted PEM private key (${(error as Error).message})`,
      });
    }
  }
  if (client?.[0] && key && !client[0].checkPrivateKey(key)) {
    errors.push({ field: 'connection.clientKey', message: 'clientKey is not the private key of clientCert' });
  }
  return errors;
}

/**
 * A private key SSH cannot read (a format ssh2 does not take, such as PKCS#8, or an encrypted key without its
 * passphrase) would be stored and fail only at the first connection; checked when the key or passphrase is given.
 */
function sshKeyErrors(given: Record<string, string>, held: Readonly<Record<string, string>>): FieldError[] {
  if (given['privateKey'] === undefined && given['privateKeyPassphrase'] === undefined) return [];
  const key = given['privateKey'] ?? held['privateKey'];
  if (key === undefined) return [];
  const passphrase = given['privateKeyPassphrase'] ?? held['privateKeyPassphrase'];
  const parsed = ssh2.utils.parseKey(key, passphrase);
  if (!(parsed instanceof Error)) return [];
  // ssh2's messages name the problem, never the key's content.
  if (/passphrase/i.test(parsed.message)) {
    const message =
      passphrase === undefined
        ? 'the privateKey is encrypted; give its privateKeyPassphrase'
        : 'privateKeyPassphrase does not open the privateKey';
    return [{ field: 'connection.privateKeyPassphrase', message }];
  }
  return [
    {
      field: 'connection.privateKey',
      message:
        `privateKey cannot be used for SSH (${parsed.message}); give an OpenSSH key (ssh-keygen) or a PEM RSA or ` +
        'EC key',
    },
  ];
}

function joinedRuleErrors(
  vendor: Vendor,
  settings: Record<string, unknown>,
  secrets: Set<string>,
): FieldError[] {
  const errors: FieldError[] = [];
  const needs = (field: string, message: string): void => {
    if (settings[field] === undefined) errors.push({ field: `connection.${field}`, message });
  };
  const usesSsh = vendor === 'windows' || (vendor === 'isc' && settings['transport'] === 'ssh');
  if (vendor === 'kea') {
    if (secrets.has('password') && settings['username'] === undefined) {
      errors.push({ field: 'connection.username', message: 'a password needs a username (basic auth)' });
    }
    if (secrets.has('clientKey') !== (settings['clientCert'] !== undefined)) {
      errors.push({
        field: 'connection.clientCert',
        message: 'clientCert and clientKey go together (mutual TLS)',
      });
    }
  }
  if (usesSsh) {
    if (vendor === 'windows') needs('host', 'host is required: the Windows server running OpenSSH');
    needs('username', 'username is required for SSH');
    needs(
      'hostKeyFingerprint',
      'hostKeyFingerprint is required for SSH: pin the host key (ssh-keyscan | ssh-keygen -lf -)',
    );
    if (!secrets.has('password') && !secrets.has('privateKey')) {
      errors.push({ field: 'connection.password', message: 'SSH needs a password or a privateKey' });
    }
  }
  if (vendor === 'isc') {
    if (settings['transport'] === 'local') {
      for (const field of ['host', 'port', 'username', 'hostKeyFingerprint']) {
        if (settings[field] !== undefined) {
          errors.push({
            field: `connection.${field}`,
            message: `${field} is for transport ssh; remove it for local (in a PATCH, send "${field}": null)`,
          });
        }
      }
      for (const secret of ['password', 'privateKey', 'privateKeyPassphrase']) {
        if (secrets.has(secret)) {
          errors.push({
            field: `connection.${secret}`,
            message: `${secret} is for transport ssh; remove it for local (in a PATCH, send "${secret}": null)`,
          });
        }
      }
    }
    const omapi =
      ['omapiPort', 'omapiKeyName'].filter((field) => settings[field] !== undefined).length +
      (secrets.has('omapiKey') ? 1 : 0);
    if (omapi !== 0 && omapi !== 3) {
      errors.push({
        field: 'connection.omapiPort',
        message: 'OMAPI needs omapiPort, omapiKeyName and omapiKey together',
      });
    }
  }
  return errors;
}
