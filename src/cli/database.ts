// The database `replybot replay` reads: MONGODB_URI; else the embedded database of a server
// running on DATA_DIR (read alongside it); else the embedded database started for the command,
// the way the server starts it (server.ts, openDatabase), and stopped after.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from 'mongoose';
import { ConfigError, loadConfig } from '../config';
import { connectDatabase } from '../db/connection';
import {
  DataDirInUseError,
  PID_FILE,
  isRecordedProcess,
  parseOwnerRecord,
} from '../db/dataDirOwner';
import { openDatabase } from '../server';
import { UsageError } from './args';
import type { Io } from './workspace';

export interface OpenedDatabase {
  connection: Connection;
  close(): Promise<void>;
}

export async function openDatabaseForReading(io: Io): Promise<OpenedDatabase> {
  let config;
  try {
    config = loadConfig(io.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.problems.join('; '));
    throw err;
  }
  const logger = {
    // Progress of a first build of the embedded database is worth seeing; the rest is noise.
    info: (message: string) => {
      if (/build|compil|download/i.test(message)) io.err(message);
    },
    // The connection's own 'disconnected' at close is expected here.
    warn: (message: string) => {
      if (!/disconnected/.test(message)) io.err(`warning: ${message}`);
    },
    error: (message: string) => io.err(message),
  };
  const connect = async (uri: string, undo: Array<() => unknown> = []) => {
    const connection = await connectDatabase(uri, { logger, maxAttempts: 1 });
    return {
      connection,
      async close() {
        await connection.close();
        for (const step of undo.reverse()) await step();
      },
    };
  };
  if (config.mongodbUri) return connect(config.mongodbUri);
  for (let attempt = 0; attempt < 2; attempt++) {
    const running = runningDatabaseUri(config.dataDir);
    if (running) return connect(running);
    const started: Array<() => unknown> = [];
    try {
      const { uri } = await openDatabase(config, logger, started);
      return await connect(uri, started);
    } catch (err) {
      for (const step of started.reverse()) await step();
      // A server took DATA_DIR meanwhile: read its database instead.
      if (!(err instanceof DataDirInUseError)) throw err;
    }
  }
  throw new Error(`DATA_DIR ${config.dataDir} is in use and its database could not be found`);
}

/** The embedded database of the server that holds `dataDir`, when one is running. */
function runningDatabaseUri(dataDir: string): string | null {
  let text: string;
  try {
    text = readFileSync(path.join(dataDir, PID_FILE), 'utf8');
  } catch {
    return null;
  }
  const owner = parseOwnerRecord(text);
  if (!owner || !owner.database || !isRecordedProcess(owner)) return null;
  const listen = owner.database.command.find((arg) => arg.startsWith('--listen-addr='));
  const address = listen?.slice('--listen-addr='.length);
  return address ? `mongodb://${address}/replybot` : null;
}
