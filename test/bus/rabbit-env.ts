/** Where the RabbitMQ tests find their broker, whether they may skip without one (never in CI), and cleaning up after them. */
import pg from 'pg';
import { Connection } from 'rabbitmq-client';

export function testBusUrl(): string {
  return process.env['GROUNDWORK_TEST_BUS_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
}

/** True when the broker accepts a connection; in CI a missing broker is a failure, never a skip. */
export async function rabbitAvailable(url: string): Promise<boolean> {
  const connection = new Connection({ url, connectionTimeout: 3000, retryLow: 100, retryHigh: 200 });
  connection.on('error', () => undefined);
  try {
    await connection.queueDeclare({ queue: '', exclusive: true });
    return true;
  } catch (error) {
    const ci = process.env['CI'];
    const required = process.env['GROUNDWORK_REQUIRE_RABBITMQ'] === '1' || (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0');
    if (required) throw new Error(`RabbitMQ is required in CI and is not reachable at ${url}: ${error instanceof Error ? error.message : String(error)}`);
    console.log(`skipping RabbitMQ tests: no broker at ${url} (start one, or set GROUNDWORK_TEST_BUS_URL)`);
    return false;
  } finally {
    await connection.close();
  }
}

/** Deletes the queues and the exchange a project with this schema declared. */
export async function deleteTopology(url: string, schema: string, partitions = 8): Promise<void> {
  const connection = new Connection({ url, connectionTimeout: 3000 });
  connection.on('error', () => undefined);
  try {
    const prefix = `gw.${schema}`;
    for (let p = 0; p < partitions; p++) await connection.queueDelete({ queue: `${prefix}.commands.${p}` });
    await connection.queueDelete({ queue: `${prefix}.commands.parked` });
    await connection.exchangeDelete({ exchange: `${prefix}.events` });
  } finally {
    await connection.close();
  }
}

/** How many messages wait in a queue (none when it was never declared). */
export async function queueDepth(url: string, queue: string): Promise<number> {
  const connection = new Connection({ url, connectionTimeout: 3000 });
  connection.on('error', () => undefined);
  try {
    const { messageCount } = await connection.queueDeclare({ queue, passive: true });
    return messageCount;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'NOT_FOUND') return 0;
    throw error;
  } finally {
    await connection.close();
  }
}

/**
 * Tests that use the broker hold a shared lock for their file; the outage test holds it exclusively
 * while it stops the broker, so no other test file sees the broker go away under it.
 */
export async function holdBroker(databaseUrl: string, mode: 'shared' | 'exclusive'): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(mode === 'shared' ? 'SELECT pg_advisory_lock_shared(7, 5672)' : 'SELECT pg_advisory_lock(7, 5672)');
  return async () => {
    await client.end();
  };
}
