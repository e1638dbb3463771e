// Starts and stops one ReplyBot instance: database → services → HTTP. Used by main.ts and by tests.
import { randomBytes } from 'node:crypto';
import http, { type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import type { Connection } from 'mongoose';
import { loadedRulesOf, RuleAnalytics } from './analytics/ruleAnalytics';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import { BotContent } from './content/botContent';
import { InboundService } from './conversations/inbound';
import { InboundJournal } from './conversations/journal';
import { ResilientInbound } from './conversations/resilientInbound';
import { ConversationStore } from './conversations/store';
import { ThreadReader } from './conversations/threads';
import { connectDatabase } from './db/connection';
import { DataDirOwner } from './db/dataDirOwner';
import { EmbeddedDatabase, ensureFerretdb } from './db/embedded';
import { bindModels, ensureIndexes, type Models } from './db/models';
import { createApp } from './http/app';
import { LiveEvents } from './http/console/liveEvents';
import type { Log, Logger } from './logger';
import { Metrics } from './metrics';
import { OutboundService } from './outbound/messages';
import { SendRecovery } from './outbound/recovery';
import { StatusService } from './outbound/status';
import { buildTemplateContext } from './templates';
import { createTwilioTransport, type TwilioTransport } from './outbound/twilioTransport';
import type { RetryPolicy } from './outbound/retryPolicy';
import { createScheduling, type Scheduler, type SchedulerOptions } from './scheduler';

/** Connections the kernel may queue before the server accepts them (see the listen call). */
const LISTEN_BACKLOG = 2048;

export interface ServerHandle {
  url: string;
  app: Express;
  port: number;
  connection: Connection;
  models: Models;
  content: BotContent;
  /** This instance's scheduler; null with SCHEDULER=off. */
  scheduler: Scheduler | null;
  /** Stop accepting, finish requests in flight, close the database; resolves when all is down. */
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  /** Forcibly close connections still open this long after close() began. */
  shutdownGraceMs?: number;
  /** Twilio retry policy (tests shorten the waits). */
  twilioRetry?: RetryPolicy;
  /** Scheduler timings (tests shorten the waits). */
  scheduler?: Partial<SchedulerOptions>;
}

/** The services of one instance, wired together; no HTTP, no timers. */
export function createServices(
  config: Config,
  logger: Logger,
  connection: Connection,
  clock: Clock,
  options: StartOptions = {},
) {
  const models = bindModels(connection);
  const metrics = new Metrics();
  // This instance, as written into what it owns (send attempts, scheduler claims and leases).
  const instance = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const store = new ConversationStore(models, clock);
  const content = new BotContent({
    rulesDir: config.rulesDir,
    templatesDir: config.templatesDir,
    timezone: config.timezone,
    clock,
    logger: logger.child({ component: 'rules' }),
  });
  const transport: TwilioTransport = createTwilioTransport({
    accountSid: config.twilio.accountSid,
    authToken: config.twilio.authToken,
    apiUrl: config.twilio.apiUrl,
    defaultFrom: config.twilio.from,
    retry: options.twilioRetry,
    logger: logger.child({ component: 'twilio' }),
  });
  const outbound = new OutboundService({
    store,
    transport,
    clock,
    logger: logger.child({ component: 'outbound' }),
    defaultFrom: config.twilio.from,
    publicUrl: config.publicUrl,
    onOutcome: (status, code) => metrics.outboundStatus(status, code),
    instance,
    attemptLeaseMs: config.sendLeaseMs,
    missedGraceMs: config.missedGraceMs,
    onReconcile: (outcome) => metrics.sendReconciled(outcome),
    renderer: {
      hasTemplate: (name) => content.current()?.templates.has(name) ?? false,
      render: (name, ctx) => {
        const templates = content.current()?.templates;
        if (!templates) throw new Error('No templates loaded');
        const contact = ctx.contact;
        return templates
          .render(
            name,
            buildTemplateContext({
              contact: {
                phone: contact?.contact ?? '',
                vars: ctx.vars,
                tags: contact?.tags ?? [],
                state: contact?.state ?? null,
                firstSeen: contact?.firstMessageAt ?? undefined,
                messageCount: contact?.inboundCount ?? 0,
              },
              now: ctx.now,
            }),
          )
          .trim();
      },
    },
  });
  const ruleAnalytics = new RuleAnalytics(models);
  // The console's live inbox: the pipeline says when a message is stored; event streams listen.
  const liveEvents = new LiveEvents();
  const inbound = new InboundService({
    store,
    content,
    clock,
    logger: logger.child({ component: 'inbound' }),
    timezone: config.timezone,
    onInbound: (kind, rule, { body, ...stored }) => {
      metrics.inboundHandled(kind, rule);
      liveEvents.inboundStored({ ...stored, kind, rule });
      const current = content.current();
      if (current)
        ruleAnalytics.record({ at: stored.at, body, kind, rule }, loadedRulesOf(current.ruleSet));
    },
  });
  const status = new StatusService(store, logger.child({ component: 'status' }), (s, code) =>
    metrics.outboundStatus(s, code),
  );
  const threads = new ThreadReader(models);
  // Every loaded rule shows in /metrics from 0 hits, so a rule that never answers is visible.
  content.onReload((result) => {
    if (result.ok) metrics.rulesLoaded(result.snapshot.ruleSet.rules.map((r) => r.id));
  });
  return {
    models,
    metrics,
    store,
    content,
    transport,
    outbound,
    inbound,
    status,
    threads,
    liveEvents,
    instance,
    ruleAnalytics,
  };
}

/**
 * Rule analytics count messages as they arrive; on the first start with a database written by an
 * earlier version, the messages already stored are counted once (by the first instance to start).
 */
async function countStoredMessages(
  services: ReturnType<typeof createServices>,
  clock: Clock,
  logger: Logger,
): Promise<void> {
  const current = services.content.current();
  if (!current) return; // no rules loaded: counted on the next start
  const started = clock.now();
  const counted = await services.ruleAnalytics.backfill(started, loadedRulesOf(current.ruleSet));
  if (counted > 0)
    logger.info('rule analytics: counted the messages stored before counting began', {
      messages: counted,
      ms: clock.now().getTime() - started.getTime(),
    });
}

/** Resolves with the promise's value, or with `fallback` once `ms` have passed. */
function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function startServer(
  config: Config,
  logger: Logger,
  options: StartOptions = {},
): Promise<ServerHandle> {
  const clock = options.clock ?? systemClock;
  // What has been started so far, undone in reverse if a later step fails: a failed start must
  // not leave the embedded database (or anything else) running behind it.
  const started: Array<() => unknown> = [];
  try {
    return await startInstance(config, logger, options, clock, started);
  } catch (err) {
    for (const undo of started.reverse()) {
      await Promise.resolve()
        .then(undo)
        .catch((e: Error) =>
          logger.warn('clean-up after failed start failed', { error: e.message }),
        );
    }
    throw err;
  }
}

/**
 * Takes DATA_DIR for this process and opens its database: MONGODB_URI, or the embedded database
 * started now. What was started is pushed onto `started`, to be undone in reverse. Used by the
 * server and by `replybot replay` (which reads a stopped server's embedded database this way).
 */
export async function openDatabase(
  config: Config,
  logger: Pick<Log, 'info' | 'warn'>,
  started: Array<() => unknown>,
): Promise<{ uri: string; embedded: EmbeddedDatabase | null; owner: DataDirOwner }> {
  // One server per DATA_DIR, with MONGODB_URI too: the inbound journal there is one server's.
  const databaseDir = path.join(config.dataDir, 'ferretdb');
  const owner = await DataDirOwner.acquire({ dataDir: config.dataDir, databaseDir, logger });
  started.push(() => owner.release());
  if (config.mongodbUri) return { uri: config.mongodbUri, embedded: null, owner };
  const binary = await ensureFerretdb(logger);
  const db = await EmbeddedDatabase.start({ binary, dir: databaseDir, logger });
  started.push(() => db.stop());
  if (db.processInfo) owner.recordDatabase(db.processInfo);
  return { uri: db.uri('replybot'), embedded: db, owner };
}

async function startInstance(
  config: Config,
  logger: Logger,
  options: StartOptions,
  clock: Clock,
  started: Array<() => unknown>,
): Promise<ServerHandle> {
  const { uri, embedded, owner } = await openDatabase(config, logger, started);

  const connection = await connectDatabase(uri, { logger });
  started.push(() => connection.close());

  const services = createServices(config, logger, connection, clock, options);
  await ensureIndexes(services.models);
  await services.content.reload();
  started.push(() => services.content.close());
  await countStoredMessages(services, clock, logger);
  if (config.watchRules) services.content.watch();
  const resilient = new ResilientInbound({
    inbound: services.inbound,
    journal: InboundJournal.inDataDir(config.dataDir),
    content: services.content,
    connection,
    clock,
    logger: logger.child({ component: 'journal' }),
  });
  started.push(() => resilient.stop());
  await resilient.start();
  const scheduling = await createScheduling({
    config,
    logger,
    clock,
    connection,
    ...services,
    options: options.scheduler,
  });
  started.push(() => scheduling.scheduler?.stop());
  await scheduling.scheduler?.start();
  // Sends whose attempt died (this instance's before a crash, or another's) are resolved with Twilio.
  const recovery = new SendRecovery({
    store: services.store,
    outbound: services.outbound,
    Lease: services.models.Lease,
    clock,
    instance: services.instance,
    intervalMs: config.sendLeaseMs,
    logger: logger.child({ component: 'send-recovery' }),
    onPass: (counts) => services.metrics.sendsUnresolved(counts),
  });
  started.push(() => recovery.stop());
  recovery.start();

  const app = createApp({
    config,
    logger,
    connection,
    clock,
    startedAt: clock.now(),
    ...services,
    // The webhook goes through the outage journal; the plain pipeline is inside it.
    inbound: resilient,
    schedules: scheduling.schedules,
    health: {
      rules: () => {
        const current = services.content.current();
        return {
          loaded: current !== null,
          version: current?.version ?? null,
          count: current?.ruleSet.ruleCount ?? 0,
          error: services.content.lastFailure() !== null,
        };
      },
      twilioMode: () => services.transport.mode,
    },
  });

  // Slow clients cannot hold a connection: headers within 10 s, the whole request within 30 s,
  // checked every second (Node's default check runs only every 30 s).
  const headersTimeout = 10_000;
  const server: Server = http.createServer(
    {
      headersTimeout,
      requestTimeout: 30_000,
      connectionsCheckingInterval: 1000,
      keepAliveTimeout: 5_000,
    },
    app,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A spike of webhooks opens many connections at once; Node's default queue of 511 pending
    // connections overflows and the kernel drops the rest (the OS caps it at net.core.somaxconn).
    server.listen({ port: config.port, backlog: LISTEN_BACKLOG }, () => resolve());
  });
  started.push(() => new Promise((resolve) => server.close(resolve)));
  const port = (server.address() as { port: number }).port;
  logger.info('listening', {
    port,
    database: embedded ? 'embedded' : 'mongodb',
    twilio: services.transport.mode,
  });

  // Shutdown budget, inside the 10 s main.ts allows: ~6 s to drain requests (the scheduler
  // stops meanwhile), ~1 s to close the database connection, ~2 s for FerretDB, then SIGKILL.
  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      const graceMs = options.shutdownGraceMs ?? 6000;
      // Console event streams never finish by themselves: end them so the server can drain.
      services.liveEvents.close();
      // Stop accepting first: the listening socket closes now; requests in flight go on.
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections become idle once their request is answered: close them as they do.
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      const schedulerStopped = within(
        Promise.all([scheduling.scheduler?.stop(), recovery.stop()]).then(
          () => true,
          (err: Error) => {
            logger.warn('scheduler stop failed', { error: err.message });
            return true;
          },
        ),
        // Its own stop grace is 5 s; never cut it shorter than that (tests shorten graceMs).
        Math.max(graceMs, 6000),
        false,
      );
      const [, schedulerDone] = await Promise.all([drained, schedulerStopped]);
      if (!schedulerDone) logger.warn('scheduler did not stop in time');
      clearInterval(sweep);
      clearTimeout(force);
      services.content.close();
      resilient.stop();
      // The analytics counts still in memory (at most a second's worth).
      await within(
        services.ruleAnalytics.close().then(
          () => true,
          (err: Error) => {
            logger.warn('rule analytics: counts not written at shutdown', { error: err.message });
            return true;
          },
        ),
        1000,
        false,
      );
      const closed = await within(
        connection.close().then(
          () => true,
          (err: Error) => {
            logger.warn('database close failed', { error: err.message });
            return true;
          },
        ),
        1000,
        false,
      );
      if (!closed) logger.warn('database close took too long');
      await embedded?.stop(2000);
      owner.release();
      logger.info('stopped');
    })();
    return closing;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    app,
    port,
    connection,
    models: services.models,
    content: services.content,
    scheduler: scheduling.scheduler,
    close,
  };
}
