// Composition root: configuration → logger → server; signals → graceful shutdown.
import { adminPasswordFile, keptAdminPassword } from './adminPassword';
import { ConfigError, loadConfig, readEnvironment } from './config';
import { createLogger } from './logger';
import { startServer, type ServerHandle } from './server';
import { startupWarnings } from './startupWarnings';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(readEnvironment(), keptAdminPassword);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) process.stderr.write(`config: ${problem}\n`);
      process.exit(1);
    }
    throw err;
  }
  const secrets = [config.twilio.authToken, ...config.adminUsers.map((u) => u.password)].filter(
    (s): s is string => Boolean(s),
  );
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, secrets });

  if (config.generatedAdminPassword) {
    // Printed at each start, straight to the terminal: the logger would (rightly) redact it.
    process.stdout.write(
      `No ADMIN_USERS set: log in as "admin" with password ${config.generatedAdminPassword} ` +
        `(kept in ${adminPasswordFile(config.dataDir)}; delete that file for a new one)\n`,
    );
  }

  let handle: ServerHandle | null = null;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    if (!handle) {
      // Still starting: nothing to drain. Exiting runs the embedded database's exit hook.
      process.exit(1);
    }
    // Whatever happens, the process is gone within 10 s (the embedded database with it: its
    // 'exit' hook kills the child). close() budgets its steps to finish well before.
    setTimeout(() => {
      logger.error('shutdown took too long, exiting');
      process.exit(1);
    }, 10_000).unref();
    handle.close().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error('shutdown failed', { error: err.message });
        process.exit(1);
      },
    );
  };
  // Listening from the start: the default action of SIGTERM would skip the 'exit' hooks.
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  handle = await startServer(config, logger);
  // Once it runs: a server that cannot start says only why.
  for (const { message, hint } of startupWarnings(config)) logger.warn(message, { hint });
}

main().catch((err: Error) => {
  process.stderr.write(`replybot: ${err.message}\n`);
  process.exit(1);
});
