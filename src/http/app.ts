// The express application: middleware in order, the operations of the route table (routes/), and
// the error handler last.
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
import { mountOperations, type Guards } from './operation';
import { messageOperations } from './routes/messages';
import { operationsOperations } from './routes/operations';
import { ruleAnalyticsOperations } from './routes/ruleAnalytics';
import { ruleOperations } from './routes/rules';
import { scheduleOperations } from './routes/schedules';
import { threadOperations } from './routes/threads';
import { webhookOperations } from './routes/twilioWebhooks';

export function createApp(ctx: HttpContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy);
  app.use(requestLog(ctx.logger));
  app.use(helmet());

  // Webhooks: form-encoded, signature-checked, no Basic Auth. Forms are parsed on the webhook
  // routes only (the signature covers the parsed fields), so no other route, least of all the admin
  // API before its credentials are checked, reads one.
  const form = express.urlencoded({
    extended: false,
    limit: ctx.config.bodyLimit,
    parameterLimit: 200,
  });
  const verify = twilioSignature({
    authToken: ctx.config.twilio.authToken,
    enabled: ctx.config.twilio.validateSignature,
    publicUrl: ctx.config.publicUrl,
  });
  const guards: Guards = { twilio: [requireForm, form, verify], none: [] };
  app.use(
    mountOperations(
      webhookOperations,
      {
        inbound: ctx.inbound,
        status: ctx.status,
        observe: (route, seconds) => ctx.metrics.webhookObserved(route, seconds),
      },
      guards,
    ),
  );

  // Operations: no auth.
  const document = buildOpenApiDocument();
  app.use(mountOperations(operationsOperations, { ctx, document }, guards));
  app.use(
    '/docs',
    docsSecurityHeaders,
    swaggerUi.serve,
    swaggerUi.setup(document, { customSiteTitle: 'ReplyBot API' }),
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

  // Admin API: credentials are checked for every /api path (an unknown one is a 401 before a 404),
  // before the body is even parsed.
  app.use('/api', auth, express.json({ limit: ctx.config.bodyLimit }));
  app.use(
    mountOperations(messageOperations, {
      outbound: ctx.outbound,
      store: ctx.store,
      threads: ctx.threads,
    }),
  );
  app.use(mountOperations(threadOperations, ctx.threads));
  app.use(
    mountOperations([...ruleOperations, ...ruleAnalyticsOperations], {
      content: ctx.content,
      clock: ctx.clock,
      ourNumber: ctx.config.twilio.from,
      analytics: ctx.ruleAnalytics,
    }),
  );
  app.use(mountOperations(scheduleOperations, ctx.schedules));

  app.use(notFoundHandler);
  app.use(createErrorHandler(ctx.logger));
  return app;
}
