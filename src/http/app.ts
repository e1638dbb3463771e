// The express application: middleware in order, the routes, and the error handler last.
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { HttpContext } from './context';
import { createErrorHandler, notFoundHandler } from './errorHandler';
import { requestLog } from './middleware/requestLog';
import { healthRoutes } from './routes/health';

export function createApp(ctx: HttpContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy);
  app.use(requestLog(ctx.logger));
  app.use(helmet());
  app.use(express.json({ limit: ctx.config.bodyLimit }));
  app.use(
    express.urlencoded({ extended: false, limit: ctx.config.bodyLimit, parameterLimit: 200 }),
  );

  app.use(healthRoutes(ctx));

  app.use(notFoundHandler);
  app.use(createErrorHandler(ctx.logger));
  return app;
}
