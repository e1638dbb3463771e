// Admin API for sending: POST /api/messages, the original POST /api/send-sms, GET /api/messages/:id.
import { Router } from 'express';
import type { MessageDoc } from '../../db/models/message';
import type { ConversationStore } from '../../conversations/store';
import { toMessageView, type ThreadReader } from '../../conversations/threads';
import { NotFoundError, ValidationError } from '../../errors';
import { fingerprint, type OutboundService, type SentMessage } from '../../outbound/messages';
import { adminName } from '../middleware/adminAuth';
import { requireJson } from '../middleware/requireJson';
import { IdParam, LegacySendRequest, MessageListQuery, SendMessageRequest } from '../schemas';
import { parseInput } from '../validate';

export interface MessageRouteDeps {
  outbound: OutboundService;
  store: ConversationStore;
  threads: ThreadReader;
}

const IDEMPOTENCY_KEY = /^[\w.:-]{1,200}$/;

function sentView(sent: SentMessage) {
  const m: MessageDoc = sent.message;
  return {
    id: String(m._id),
    sid: m.sid ?? null,
    status: m.status,
    to: m.contact,
    from: m.number ?? null,
    segments: sent.segments,
    encoding: sent.encoding,
  };
}

export function messageRoutes(deps: MessageRouteDeps): Router {
  const router = Router();

  router.post('/api/messages', requireJson, async (req, res) => {
    const input = parseInput(SendMessageRequest, req.body);
    const idempotencyKey = req.get('idempotency-key');
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new ValidationError(
        'Idempotency-Key must be 1-200 letters, digits, dots, colons, dashes or underscores',
        [{ field: 'Idempotency-Key', message: 'invalid' }],
      );
    }
    // Keys are per admin user, so two users cannot collide on the same key.
    const sent = await deps.outbound.send(input, {
      key: idempotencyKey ? `api:${adminName(req)}:${idempotencyKey}` : undefined,
      requestHash: idempotencyKey ? fingerprint(input) : undefined,
      replayFailures: idempotencyKey !== undefined,
    });
    res.status(202).json(sentView(sent));
  });

  router.post('/api/send-sms', requireJson, async (req, res) => {
    const input = parseInput(LegacySendRequest, req.body);
    const sent = await deps.outbound.send({
      to: input.recipient_number,
      body: input.message_content,
    });
    res.status(200).json({ message_sid: sent.message.sid ?? null });
  });

  router.get('/api/messages', async (req, res) => {
    const { status, page, limit } = parseInput(MessageListQuery, req.query, 'query');
    res.json(await deps.threads.messagesByStatus(status, page, limit));
  });

  router.get('/api/messages/:id', async (req, res) => {
    const { id } = parseInput(IdParam, req.params, 'message id');
    const message = await deps.store.findById(id);
    if (!message) throw new NotFoundError(`No message ${id}`, 'message_not_found');
    res.json(toMessageView(message));
  });

  return router;
}
