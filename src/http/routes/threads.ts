// Admin API for reading conversations: GET /api/threads, /api/threads/:phone, /api/threads/:phone/messages.
import { Router } from 'express';
import type { ThreadReader } from '../../conversations/threads';
import { PageQuery, PhoneParam, ThreadListQuery, ThreadQuery } from '../schemas';
import { parseInput } from '../validate';

export function threadRoutes(reader: ThreadReader): Router {
  const router = Router();

  router.get('/api/threads', async (req, res) => {
    const q = parseInput(ThreadListQuery, req.query, 'query');
    res.json(await reader.list({ optedOut: q.optedOut, tag: q.tag }, q.page, q.limit));
  });

  router.get('/api/threads/:phone', async (req, res) => {
    const { phone } = parseInput(PhoneParam, req.params, 'phone number');
    const { number } = parseInput(ThreadQuery, req.query, 'query');
    res.json(await reader.withRecentMessages(phone, number));
  });

  router.get('/api/threads/:phone/messages', async (req, res) => {
    const { phone } = parseInput(PhoneParam, req.params, 'phone number');
    const q = parseInput(
      PageQuery.extend({ number: ThreadQuery.shape.number }).strict(),
      req.query,
      'query',
    );
    res.json(await reader.messages(phone, q.page, q.limit, q.number));
  });

  return router;
}
