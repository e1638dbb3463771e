// The ceiling for the webhook benchmark: express parsing the same form and answering a static TwiML
// document, with no signature check, rules or database. Plain JavaScript, so it runs with plain
// node exactly as the compiled server does (no loader in either process's memory or CPU figures).
const express = require('express');

const TWIML =
  '<?xml version="1.0" encoding="UTF-8"?><Response><Message>We are open 7am-7pm.</Message></Response>';

const app = express();
app.use(express.urlencoded({ extended: false, limit: '100kb' }));
app.post('/twilio/sms', (_req, res) => {
  res.status(200).type('text/xml').send(TWIML);
});
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ message: 'listening', port: server.address().port })}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
