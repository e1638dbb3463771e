// GET /health: is this instance able to do its job (database reachable, rules loaded)?
import { Router } from 'express';
import { pingDatabase } from '../../db/connection';
import type { HttpContext } from '../context';

export function healthRoutes(ctx: HttpContext): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    const dbUp = await pingDatabase(ctx.connection);
    res.status(dbUp ? 200 : 503).json({
      status: dbUp ? 'ok' : 'unavailable',
      db: dbUp ? 'up' : 'down',
      rules: ctx.health.rules(),
      twilio: ctx.health.twilioMode(),
      uptime: Math.round((ctx.clock.now().getTime() - ctx.startedAt.getTime()) / 1000),
    });
  });
  return router;
}
