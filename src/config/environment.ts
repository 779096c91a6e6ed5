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

/**
 * An optional whole number from `min` to `max` (an empty value counts as absent), with one message naming the
 * variable, its range and `hint` for every way it can be wrong.
 */
function WholeNumber(min: number, max: number, hint = ''): PropertyDecorator {
  return (target, key) => {
    const message = `${String(key)} must be a whole number from ${min} to ${max}${hint}`;
    for (const decorate of [
      IsOptional(),
      Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value))),
      IsInt({ message }),
      Min(min, { message }),
      Max(max, { message }),
    ]) {
      decorate(target, key);
    }
  };
}

/** The environment variables the service reads, and what each must hold. Nothing else reads `process.env`. */
export class Environment {
  @WholeNumber(0, 65535, ' (0 picks a free port)')
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
  @Matches(/^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)(?:,(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=))*$/, {
    message:
      'ENCRYPTION_KEY_PREVIOUS must be earlier ENCRYPTION_KEY values (64 hex digits or 44 base64 characters each), ' +
      'separated by commas',
  })
  ENCRYPTION_KEY_PREVIOUS?: string;

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

  @WholeNumber(1, 64)
  JOB_CONCURRENCY?: number;

  @WholeNumber(2, 3600)
  JOB_LOCK_SECONDS?: number;

  // Whole days: a job is what an Idempotency-Key answers for 24 hours, so it is kept at least that long.
  @WholeNumber(0, 3650, ' (0 keeps finished jobs for ever)')
  JOB_RETENTION_DAYS?: number;

  @WholeNumber(0, 3600)
  DISCOVERY_MAX_AGE_SECONDS?: number;

  @WholeNumber(0, 3600)
  ISC_SSH_IDLE_SECONDS?: number;

  @IsOptional()
  @IsIn(['on', 'off'], { message: 'ISC_LOCAL_TRANSPORT must be on or off' })
  ISC_LOCAL_TRANSPORT?: string;
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
    // A value wrong in several ways (NaN: not whole, nor in range) is named once.
    throw new ConfigurationError([
      ...new Set(errors.flatMap((error) => Object.values(error.constraints ?? {}))),
    ]);
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
  ENCRYPTION_KEY_PREVIOUS = true as const;
  BOOTSTRAP_API_KEY = true as const;
  DATA_DIR = true as const;
  LOG_LEVEL = true as const;
  JOB_CONCURRENCY = true as const;
  JOB_LOCK_SECONDS = true as const;
  JOB_RETENTION_DAYS = true as const;
  DISCOVERY_MAX_AGE_SECONDS = true as const;
  ISC_SSH_IDLE_SECONDS = true as const;
  ISC_LOCAL_TRANSPORT = true as const;
}
