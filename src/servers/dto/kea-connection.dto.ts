import { IsBoolean, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min } from 'class-validator';

/** A URL without userinfo: credentials in it would be stored and returned in the clear. */
const NO_CREDENTIALS = /^(?![a-z][a-z0-9+.-]*:\/\/[^/?#]*@)/i;
const PEM = /^-----BEGIN [A-Z ]+-----[\s\S]+-----END [A-Z ]+-----\s*$/;

/** How to reach a Kea server: its Control Agent. */
export class KeaConnectionDto {
  /** Control Agent URL, e.g. `https://kea1.example.net:8000/`. */
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true },
    {
      message: 'url must be an http:// or https:// URL of the Kea Control Agent, e.g. http://127.0.0.1:8000/',
    },
  )
  @MaxLength(2048)
  @Matches(NO_CREDENTIALS, {
    message: 'url must not carry credentials (user:password@); send them as username and password',
  })
  url!: string;

  /** Basic-auth user, when the Control Agent has `authentication` configured. */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  username?: string;

  /** Basic-auth password. Write-only: stored encrypted, never returned. */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  password?: string;

  /** PEM CA certificate that signed the Control Agent's certificate. */
  @IsOptional()
  @Matches(PEM, { message: 'caCert must be a PEM certificate' })
  @MaxLength(65536)
  caCert?: string;

  /** PEM client certificate, when the Control Agent requires mutual TLS. */
  @IsOptional()
  @Matches(PEM, { message: 'clientCert must be a PEM certificate' })
  @MaxLength(65536)
  clientCert?: string;

  /** PEM private key (unencrypted) of the client certificate. Write-only. */
  @IsOptional()
  @Matches(PEM, { message: 'clientKey must be a PEM private key' })
  @MaxLength(65536)
  clientKey?: string;

  /** Set false only for testing: skips verification of the server certificate. */
  @IsOptional()
  @IsBoolean()
  verifyTls?: boolean;

  /** Per-request timeout in milliseconds (default 10000). */
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(300_000)
  timeoutMs?: number;
}

export const KEA_SECRETS = ['password', 'clientKey'] as const;
