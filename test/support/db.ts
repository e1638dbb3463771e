// Each test file works in its own database on the run's shared server.
import { randomBytes } from 'node:crypto';
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
