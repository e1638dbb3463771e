// The webhook benchmark's persisting baseline: the smallest express app that stores an inbound
// message the way ReplyBot does (src/conversations/inbound.ts), with the raw MongoDB driver (the
// one mongoose bundles) and a static reply. Per message: read the thread by _id (create it on
// first contact), insert the message and its reply in one ordered insertMany, update the thread by
// _id. No signature check, rules or templates. Plain JavaScript, run with plain node like the
// compiled server. MONGODB_URI names the database; PORT the port.
const { createHash } = require('node:crypto');
const express = require('express');
const { MongoClient } = require('mongoose').mongo;

const REPLY = 'We are open 7am-7pm.';
const TWIML = `<?xml version="1.0" encoding="UTF-8"?><Response><Message>${REPLY}</Message></Response>`;

/** Ids as ReplyBot derives them from the natural key (src/db/ids.ts). */
const derivedId = (...parts) =>
  createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24);

async function main() {
  const client = await new MongoClient(process.env.MONGODB_URI).connect();
  const db = client.db();
  const threads = db.collection('threads');
  const messages = db.collection('messages');
  await messages.createIndex({ key: 1 }, { unique: true });

  const app = express();
  app.use(express.urlencoded({ extended: false, limit: '100kb' }));
  app.post('/twilio/sms', async (req, res, next) => {
    try {
      const { MessageSid: sid, From: contact, To: number, Body: body = '' } = req.body;
      const now = new Date();
      const _id = derivedId('thread', contact, number);
      let thread = await threads.findOne({ _id });
      if (!thread) {
        thread = { _id, contact, number, state: null, vars: {}, tags: [], inboundCount: 0 };
        await threads.insertOne({ ...thread, messageCount: 0, createdAt: now }).catch((err) => {
          if (err.code !== 11000) throw err; // created by a message of the same contact meanwhile
        });
      }
      const key = `in:${sid}`;
      const common = { thread: _id, contact, number, rule: 'hours', createdAt: now };
      await messages.insertMany(
        [
          {
            _id: derivedId('message', key),
            key,
            direction: 'inbound',
            body,
            sid,
            status: 'received',
            replyTwiml: TWIML,
            seq: thread.inboundCount + 1,
            ...common,
          },
          {
            _id: derivedId('message', `reply:${sid}:0`),
            key: `reply:${sid}:0`,
            direction: 'outbound',
            body: REPLY,
            status: 'twiml',
            ...common,
          },
        ],
        { ordered: true },
      );
      await threads.updateOne(
        { _id },
        {
          $set: { lastMessageAt: now, lastInbound: key },
          $inc: { inboundCount: 1, messageCount: 2 },
        },
      );
      res.status(200).type('text/xml').send(TWIML);
    } catch (err) {
      next(err);
    }
  });
  const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    process.stdout.write(
      `${JSON.stringify({ message: 'listening', port: server.address().port })}\n`,
    );
  });
  // Requests still waiting on the database when the load stops are dropped with the process.
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
