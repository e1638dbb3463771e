// Each test file works in its own database on the run's shared server.
import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import mongoose, { type Connection } from 'mongoose';

/** A connection string for a fresh, uniquely named database. */
export function freshDatabaseUri(label = 'test'): string {
  const base = process.env.REPLYBOT_TEST_MONGODB_URI;
  if (!base)
    throw new Error(
      'REPLYBOT_TEST_MONGODB_URI is not set: run the tests through jest (globalSetup)',
    );
  const url = new URL(base);
  const name = `rb_${label.replace(/\W/g, '_').slice(0, 20)}_${randomBytes(4).toString('hex')}`;
  url.pathname = `/${name}`;
  return url.toString();
}

/** Opens a connection to a fresh database; `drop()` removes the database and closes the connection. */
export async function openTestDatabase(
  label?: string,
): Promise<{ connection: Connection; uri: string; drop(): Promise<void> }> {
  const uri = freshDatabaseUri(label);
  const connection = await mongoose
    .createConnection(uri, { serverSelectionTimeoutMS: 5000 })
    .asPromise();
  return {
    connection,
    uri,
    async drop() {
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    },
  };
}

/**
 * A free loopback port below the kernel's ephemeral range (Linux: ip_local_port_range), for a
 * database a test stops and starts again: while it is down, no `listen(0)` and no outgoing
 * connection of another suite can be given its port, so it always comes back where it was.
 */
export async function portOutsideEphemeralRange(): Promise<number> {
  let low = 32768;
  try {
    low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
  } catch {
    // Not Linux: IANA's dynamic range starts at 49152; 32768 is below it too.
  }
  const floor = Math.max(1024, Math.min(low, 32768) - 12_000);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = floor + randomInt(Math.min(low, 32768) - floor);
    if (await portIsFree(port)) return port;
  }
  throw new Error('no free loopback port below the ephemeral range');
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
