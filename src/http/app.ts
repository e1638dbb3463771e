// The express application: middleware in order, the routes, and the error handler last.
import express, { type Express } from 'express';
import helmet from 'helmet';
import swaggerUi from 'swagger-ui-express';
import { consoleRoutes } from './console/router';
import type { HttpContext } from './context';
import { createErrorHandler, notFoundHandler } from './errorHandler';
import { adminAuth } from './middleware/adminAuth';
import { requestLog } from './middleware/requestLog';
import { requireForm } from './middleware/requireJson';
import { twilioSignature } from './middleware/twilioSignature';
import { buildOpenApiDocument, docsSecurityHeaders } from './openapi';
import { healthRoutes } from './routes/health';
import { messageRoutes } from './routes/messages';
import { ruleRoutes } from './routes/rules';
import { threadRoutes } from './routes/threads';
import { twilioWebhookRoutes } from './routes/twilioWebhooks';

export function createApp(ctx: HttpContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy);
  app.use(requestLog(ctx.logger));
  app.use(helmet());

  // Webhooks: form-encoded, signature-checked, no Basic Auth. /api/receive-sms is the original alias.
  const verify = twilioSignature({
    authToken: ctx.config.twilio.authToken,
    enabled: ctx.config.twilio.validateSignature,
    publicUrl: ctx.config.publicUrl,
  });
  const form = express.urlencoded({
    extended: false,
    limit: ctx.config.bodyLimit,
    parameterLimit: 200,
  });
  // Forms are parsed on the webhook routes only (the signature covers the parsed fields), so no
  // other route, least of all the admin API before its credentials are checked, reads one.
  const parseAndVerify = [requireForm, form, verify];
  app.use(
    twilioWebhookRoutes({
      inbound: ctx.inbound,
      status: ctx.status,
      verify: parseAndVerify,
      observe: (route, seconds) => ctx.metrics.webhookObserved(route, seconds),
    }),
  );

  // Operations: no auth.
  app.use(healthRoutes(ctx));
  app.get('/metrics', async (_req, res) => {
    res.type(ctx.metrics.registry.contentType).send(await ctx.metrics.render());
  });
  const openapi = buildOpenApiDocument();
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use(
    '/docs',
    docsSecurityHeaders,
    swaggerUi.serve,
    swaggerUi.setup(openapi, { customSiteTitle: 'ReplyBot API' }),
  );

  // One Basic Auth for the admin API and the console, so failed logins count once for both.
  const auth = adminAuth({
    users: ctx.config.adminUsers,
    maxFailures: ctx.config.authMaxFailures,
    clock: ctx.clock,
    requireHttps: ctx.config.production,
  });
  // The web console (its page, assets and live events); it works through the admin API below.
  app.use(consoleRoutes({ auth, events: ctx.liveEvents }));

  // Admin API: credentials are checked before the body is even parsed.
  const admin = express.Router();
  admin.use('/api', auth, express.json({ limit: ctx.config.bodyLimit }));
  admin.use(messageRoutes({ outbound: ctx.outbound, store: ctx.store, threads: ctx.threads }));
  admin.use(threadRoutes(ctx.threads));
  admin.use(
    ruleRoutes(ctx.content, ctx.clock, {
      ourNumber: ctx.config.twilio.from,
      analytics: ctx.ruleAnalytics,
    }),
  );
  for (const router of ctx.adminRouters ?? []) admin.use(router);
  app.use(admin);

  app.use(notFoundHandler);
  app.use(createErrorHandler(ctx.logger));
  return app;
}
