import { ConfigurationError } from '../core/errors.js';

/**
 * Configuration from the environment: the one place the runtime reads process.env. Options given
 * in code win; the environment fills in the rest.
 */
export interface Environment {
  /** The embedded database file (GROUNDWORK_DB, default app.db). */
  readonly databasePath: string;
  /** The key-encryption key for personal data (GROUNDWORK_KEK, base64 of 32 bytes). */
  readonly kek: Buffer | undefined;
  /** Ed25519 private key that signs checkpoints (GROUNDWORK_SIGNING_KEY, PEM or base64 DER). */
  readonly signingKey: string | undefined;
  /** The pinned public key verify checks checkpoints with (GROUNDWORK_VERIFY_KEY). */
  readonly verifyKey: string | undefined;
  /** A PostgreSQL store shared by many processes (GROUNDWORK_DATABASE_URL); embedded SQLite without it. */
  readonly databaseUrl: string | undefined;
  /** The PostgreSQL schema the store lives in (GROUNDWORK_DATABASE_SCHEMA, default groundwork). */
  readonly databaseSchema: string | undefined;
  /** The append-only file checkpoints are copied to (GROUNDWORK_CHECKPOINT_SINK). */
  readonly checkpointSink: string | undefined;
  /** RabbitMQ carrying commands to workers and events to other services (GROUNDWORK_BUS_URL); in-process without it. */
  readonly busUrl: string | undefined;
  /** Command partitions on the bus (GROUNDWORK_BUS_PARTITIONS, default 8); the same in every process. */
  readonly busPartitions: number | undefined;
}

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  return {
    databasePath: nonEmpty(env['GROUNDWORK_DB']) ?? 'app.db',
    kek: kekFrom(nonEmpty(env['GROUNDWORK_KEK'])),
    signingKey: nonEmpty(env['GROUNDWORK_SIGNING_KEY']),
    verifyKey: nonEmpty(env['GROUNDWORK_VERIFY_KEY']),
    databaseUrl: nonEmpty(env['GROUNDWORK_DATABASE_URL']),
    databaseSchema: nonEmpty(env['GROUNDWORK_DATABASE_SCHEMA']),
    checkpointSink: nonEmpty(env['GROUNDWORK_CHECKPOINT_SINK']),
    busUrl: nonEmpty(env['GROUNDWORK_BUS_URL']),
    busPartitions: partitionsFrom(nonEmpty(env['GROUNDWORK_BUS_PARTITIONS'])),
  };
}

/** Reads a KEK given as base64 of 32 bytes. */
export function kekFrom(text: string | undefined): Buffer | undefined {
  if (text === undefined) return undefined;
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32) throw new ConfigurationError('invalid-kek', 'GROUNDWORK_KEK must be 32 bytes, base64-encoded (openssl rand -base64 32)');
  return key;
}

function partitionsFrom(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 4096)
    throw new ConfigurationError('invalid-bus', `GROUNDWORK_BUS_PARTITIONS must be a whole number from 1 to 4096, not ${JSON.stringify(text)}`);
  return n;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** How the HTTP and MCP servers authenticate their callers, and where they listen. */
export interface SurfaceEnvironment {
  /** The issuer whose JWTs are accepted (GROUNDWORK_AUTH_ISSUER). */
  readonly issuer: string | undefined;
  /** The audience tokens must name: this server (GROUNDWORK_AUTH_AUDIENCE). */
  readonly audience: string | undefined;
  /** The issuer's key set URL (GROUNDWORK_AUTH_JWKS_URL), or a key set given inline as JSON (GROUNDWORK_AUTH_JWKS). */
  readonly jwksUrl: string | undefined;
  readonly jwks: string | undefined;
  /** The claims mapping as JSON (GROUNDWORK_AUTH_CLAIMS), such as {"roles":"scope","tenant":"org_id"}. */
  readonly claims: string | undefined;
  /** A JSON file of static development tokens (GROUNDWORK_AUTH_DEV_TOKENS); never honoured when NODE_ENV=production. */
  readonly devTokens: string | undefined;
  readonly production: boolean;
  /** The identity of the MCP server over stdio: a token checked like a bearer token (GROUNDWORK_TOKEN). */
  readonly token: string | undefined;
  readonly host: string;
  readonly port: number;
  /** The URL clients reach the server at (GROUNDWORK_PUBLIC_URL; default http://host:port). */
  readonly publicUrl: string | undefined;
  /** Host header values the MCP endpoint accepts, comma-separated (GROUNDWORK_ALLOWED_HOSTS). */
  readonly allowedHosts: readonly string[] | undefined;
}

export function readSurfaceEnvironment(env: NodeJS.ProcessEnv = process.env): SurfaceEnvironment {
  const port = nonEmpty(env['GROUNDWORK_PORT']) ?? '3000';
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535)
    throw new ConfigurationError('invalid-auth', `GROUNDWORK_PORT must be a port number, not ${JSON.stringify(port)}`);
  return {
    issuer: nonEmpty(env['GROUNDWORK_AUTH_ISSUER']),
    audience: nonEmpty(env['GROUNDWORK_AUTH_AUDIENCE']),
    jwksUrl: nonEmpty(env['GROUNDWORK_AUTH_JWKS_URL']),
    jwks: nonEmpty(env['GROUNDWORK_AUTH_JWKS']),
    claims: nonEmpty(env['GROUNDWORK_AUTH_CLAIMS']),
    devTokens: nonEmpty(env['GROUNDWORK_AUTH_DEV_TOKENS']),
    production: env['NODE_ENV'] === 'production',
    token: nonEmpty(env['GROUNDWORK_TOKEN']),
    host: nonEmpty(env['GROUNDWORK_HOST']) ?? '127.0.0.1',
    port: Number(port),
    publicUrl: nonEmpty(env['GROUNDWORK_PUBLIC_URL']),
    allowedHosts: nonEmpty(env['GROUNDWORK_ALLOWED_HOSTS'])
      ?.split(',')
      .map((h) => h.trim())
      .filter((h) => h !== ''),
  };
}
