// The web console: its page, its static assets and its live event stream, all behind the admin's Basic Auth.
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type RequestHandler } from 'express';
import helmet from 'helmet';
import { packageRoot } from '../../packageRoot';
import { sharedBrowserModules } from './browserModules';
import type { LiveEvents } from './liveEvents';

export interface ConsoleOptions {
  /** The admin API's Basic Auth (one instance, so failed logins count once for /api and /console). */
  auth: RequestHandler;
  /** Inbound messages as they are stored; without it the stream only keeps itself alive. */
  events?: LiveEvents;
  /** How often an idle stream sends a comment, so proxies and browsers keep it open. */
  heartbeatMs?: number;
}

/**
 * Where the page and its scripts are. Running from the sources they sit beside this file; `tsc`
 * copies no assets into dist/, so the compiled server (npm start, the Docker image) serves them
 * from the package's src/ folder.
 */
export function consolePublicDir(): string {
  const beside = path.join(__dirname, 'public');
  if (existsSync(beside)) return beside;
  return path.join(packageRoot(), 'src', 'http', 'console', 'public');
}

/**
 * Stricter than helmet's default: nothing from other origins (no CDN, no web fonts), no inline
 * script or style, and fetches to this server only. Like /docs, without `upgrade-insecure-requests`:
 * on plain HTTP (a LAN host in development) it would send the page's own scripts to https:// and
 * leave the console blank. In production the admin routes answer over HTTPS only anyway.
 */
const consoleSecurityHeaders = helmet.contentSecurityPolicy({
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    fontSrc: ["'self'"],
    manifestSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    objectSrc: ["'none'"],
  },
});

export function consoleRoutes(options: ConsoleOptions): Router {
  const publicDir = consolePublicDir();
  const router = Router();
  router.use('/console', options.auth, consoleSecurityHeaders);

  router.get('/console', (_req, res) => {
    res.set('Cache-Control', 'no-cache');
    res.sendFile(path.join(publicDir, 'index.html'));
  });

  // Small files, changed with the server: revalidated on every load (ETag), never stale.
  router.use('/console/assets/js', sharedBrowserModules());
  router.use(
    '/console/assets',
    express.static(path.join(publicDir, 'assets'), {
      index: false,
      redirect: false,
      fallthrough: true,
      setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache'),
    }),
  );

  router.get('/console/events', eventStream(options.events, options.heartbeatMs ?? 25_000));
  return router;
}

/**
 * Server-sent events: `inbound` with `{contact, number, at, kind, rule}` for each stored inbound
 * message. The browser's EventSource reconnects by itself (after `retry` ms); the console reloads
 * what it shows when a stream (re)opens, so nothing sent meanwhile is missed.
 */
function eventStream(events: LiveEvents | undefined, heartbeatMs: number): RequestHandler {
  return (req, res) => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      // nginx and similar proxies: pass each event on at once instead of buffering the response.
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 3000\n: connected\n\n');

    const unsubscribe =
      events?.onInbound((e) => {
        const data = JSON.stringify({
          contact: e.contact,
          number: e.number,
          at: e.at.toISOString(),
          kind: e.kind,
          rule: e.rule,
        });
        res.write(`event: inbound\ndata: ${data}\n\n`);
      }) ?? (() => undefined);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
    heartbeat.unref();

    let stopOnClose: () => void = () => undefined;
    const cleanUp = () => {
      clearInterval(heartbeat);
      unsubscribe();
      stopOnClose();
    };
    // Shutdown: end the stream so the server can drain; the browser reconnects to whatever runs next.
    stopOnClose =
      events?.onClose(() => {
        cleanUp();
        res.end();
      }) ?? (() => undefined);
    req.on('close', cleanUp);
  };
}
