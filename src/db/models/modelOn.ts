// A model is compiled once per connection: later calls (another bindModels on the same
// connection, a test file's second server) get the one already there.
import type { Connection, Model, Schema } from 'mongoose';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any model type
export function modelOn<M extends Model<any>>(
  connection: Connection,
  name: string,
  schema: Schema,
): M {
  return (connection.models[name] as M | undefined) ?? (connection.model(name, schema) as M);
}
