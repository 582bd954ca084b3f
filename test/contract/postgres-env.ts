/** Where the PostgreSQL tests find their server, and whether they may skip without one (never in CI). */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export function testDatabaseUrl(): string {
  return process.env['GROUNDWORK_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
}

/** A schema name no other test run uses. */
export function uniqueSchema(purpose: string): string {
  return `gwt_${purpose}_${randomBytes(6).toString('hex')}`;
}

/** True when the server answers; in CI a missing server is a failure, never a skip. */
export async function postgresAvailable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    const required =
      process.env['GROUNDWORK_REQUIRE_POSTGRES'] === '1' || (process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false');
    if (required) {
      throw new Error(`PostgreSQL is required in CI and is not reachable at ${url}: ${error instanceof Error ? error.message : String(error)}`);
    }
    console.log(`skipping PostgreSQL tests: no server at ${url} (start one, or set GROUNDWORK_TEST_DATABASE_URL)`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
