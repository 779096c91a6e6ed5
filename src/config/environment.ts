import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

/** The environment variables the service reads, and what each must hold. Nothing else reads `process.env`. */
export class Environment {
  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'PORT must be a whole number from 0 to 65535 (0 picks a free port)' })
  @Min(0, { message: 'PORT must be a whole number from 0 to 65535' })
  @Max(65535, { message: 'PORT must be a whole number from 0 to 65535 (0 picks a free port)' })
  PORT?: number;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  HOST?: string;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, {
    message: 'DATABASE_URL must be a postgres:// URL, e.g. postgres://user:pass@host:5432/db',
  })
  DATABASE_URL?: string;

  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, {
    message: 'REDIS_URL must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379',
  })
  REDIS_URL?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'QUEUE_PREFIX must be 1-64 letters, digits, "_" or "-"' })
  QUEUE_PREFIX?: string;

  @IsOptional()
  @Matches(/^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/, {
    message:
      'ENCRYPTION_KEY must be 32 random bytes as 64 hex digits or 44 base64 characters (openssl rand -base64 32)',
  })
  ENCRYPTION_KEY?: string;

  @IsOptional()
  @MinLength(32, { message: 'BOOTSTRAP_API_KEY must be at least 32 characters' })
  @MaxLength(200, { message: 'BOOTSTRAP_API_KEY must be at most 200 characters' })
  @Matches(/^[\x21-\x7e]+$/, { message: 'BOOTSTRAP_API_KEY must be printable ASCII without spaces' })
  BOOTSTRAP_API_KEY?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  DATA_DIR?: string;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
  })
  LOG_LEVEL?: string;

  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'JOB_CONCURRENCY must be a whole number from 1 to 64' })
  @Min(1, { message: 'JOB_CONCURRENCY must be a whole number from 1 to 64' })
  @Max(64, { message: 'JOB_CONCURRENCY must be a whole number from 1 to 64' })
  JOB_CONCURRENCY?: number;

  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'JOB_LOCK_SECONDS must be a whole number from 2 to 3600' })
  @Min(2, { message: 'JOB_LOCK_SECONDS must be a whole number from 2 to 3600' })
  @Max(3600, { message: 'JOB_LOCK_SECONDS must be a whole number from 2 to 3600' })
  JOB_LOCK_SECONDS?: number;

  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'DISCOVERY_MAX_AGE_SECONDS must be a whole number from 0 to 3600' })
  @Min(0, { message: 'DISCOVERY_MAX_AGE_SECONDS must be a whole number from 0 to 3600' })
  @Max(3600, { message: 'DISCOVERY_MAX_AGE_SECONDS must be a whole number from 0 to 3600' })
  DISCOVERY_MAX_AGE_SECONDS?: number;
}

export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigurationError';
  }
}

/** The process environment: the one read of `process.env` in the service. */
export function processEnvironment(): NodeJS.ProcessEnv {
  return process.env;
}

/** Validates the raw environment; throws one error naming every bad variable and what it expects. */
export function parseEnvironment(raw: NodeJS.ProcessEnv): Environment {
  const known = Object.fromEntries(
    Object.keys(new EnvironmentKeys()).map((key) => [key, raw[key] === '' ? undefined : raw[key]]),
  );
  const env = plainToInstance(Environment, known);
  const errors = validateSync(env, { skipMissingProperties: false });
  if (errors.length > 0) {
    throw new ConfigurationError(errors.flatMap((error) => Object.values(error.constraints ?? {})));
  }
  return env;
}

/** The variable names, listed once so unrelated variables in the environment are never read. */
class EnvironmentKeys implements Record<keyof Environment, true> {
  PORT = true as const;
  HOST = true as const;
  DATABASE_URL = true as const;
  REDIS_URL = true as const;
  QUEUE_PREFIX = true as const;
  ENCRYPTION_KEY = true as const;
  BOOTSTRAP_API_KEY = true as const;
  DATA_DIR = true as const;
  LOG_LEVEL = true as const;
  JOB_CONCURRENCY = true as const;
  JOB_LOCK_SECONDS = true as const;
  DISCOVERY_MAX_AGE_SECONDS = true as const;
}
