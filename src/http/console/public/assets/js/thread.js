// One conversation: bubbles with delivery status, the thread's state, vars and tags, and a send box.
import { ApiError, api, get, randomKey, threadPath } from './api.js';
import {
  FINAL_STATUSES,
  badge,
  formatDateTime,
  h,
  replace,
  srOnly,
  statusBadge,
  tagList,
  timeEl,
  toast,
  varsTable,
} from './dom.js';
import { describeSegments } from './segmentMeter.js';

const PAGE = 20;
const SENDER = /^(\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32})$/;
/** How often, and how many times, an open thread looks again while a sent message is on its way. */
const STATUS_POLL_MS = 4000;
const STATUS_POLLS = 30;

/** Who a message is from, for the bubble's colour and its screen-reader label. */
export function messageKind(m) {
  if (m.direction === 'inbound') return { kind: 'in', who: 'Contact' };
  if (m.status === 'twiml') return { kind: 'rule', who: m.rule ? `Rule ${m.rule}` : 'Bot reply' };
  if (m.scheduleId) {
    return { kind: 'scheduled', who: m.rule ? `Follow-up of rule ${m.rule}` : 'Scheduled' };
  }
  return { kind: 'api', who: 'Sent by an admin' };
}

function bubble(m) {
  const { kind, who } = messageKind(m);
  const label =
    kind === 'rule'
      ? m.rule
        ? `rule ${m.rule}`
        : 'reply'
      : kind === 'scheduled'
        ? m.rule
          ? `follow-up · ${m.rule}`
          : 'scheduled'
        : kind === 'api'
          ? 'sent from API'
          : null;
  const error =
    m.errorCode || m.errorMessage
      ? `Error${m.errorCode ? ` ${m.errorCode}` : ''}${m.errorMessage ? `: ${m.errorMessage}` : ''}`
      : null;
  return h(
    'li',
    { class: `bubble bubble-${kind}`, 'data-id': m.id, 'data-status': m.status },
    srOnly(`${who}: `),
    m.body ? h('p', { class: 'bubble-body' }, m.body) : null,
    m.media.length
      ? h(
          'ul',
          { class: 'bubble-media', 'aria-label': 'Attachments' },
          m.media.map((x, i) =>
            h(
              'li',
              {},
              h(
                'a',
                { href: x.url, rel: 'noopener noreferrer', target: '_blank' },
                `Attachment ${i + 1}${x.contentType ? ` (${x.contentType})` : ''}`,
              ),
            ),
          ),
        )
      : null,
    h(
      'p',
      { class: 'bubble-meta' },
      timeEl(m.createdAt, 'short'),
      label ? h('span', { class: 'bubble-label' }, label) : null,
      kind === 'in' ? null : statusBadge(m.status),
      m.segments && m.segments > 1 ? h('span', {}, `${m.segments} segments`) : null,
    ),
    error ? h('p', { class: 'bubble-error' }, error) : null,
  );
}

/**
 * Mounts the thread of `contact` (on our `number`, or the contact's latest) into `root`.
 * `onChange` is called after this pane sent a message (the inbox list moves the thread up).
 */
export function threadPane(root, { contact, number }, { onChange } = {}) {
  let thread = null;
  /** Older pages fetched with "Show older", beyond the thread's recent messages. */
  const older = new Map();
  let olderPages = 1;
  let olderTotal = null;
  let polls = 0;
  let pollTimer = null;
  let loadSeq = 0;
  /** The Idempotency-Key of the draft being sent, and the text it was used for. */
  let draftKey = null;
  let draftBody = null;
  let unmounted = false;
  let firstRender = true;

  const title = h('h2', { id: 'thread-title', tabindex: '-1' }, contact);
  const subtitle = h('p', { class: 'muted thread-sub' });
  const flags = h('div', { class: 'thread-flags' });
  const meta = h('dl', { class: 'thread-meta' });
  const olderButton = h(
    'button',
    { type: 'button', class: 'secondary small', hidden: true, onclick: loadOlder },
    'Show older messages',
  );
  const bubbles = h('ol', { class: 'bubbles', 'aria-label': `Messages with ${contact}` });
  const scroller = h('div', { class: 'bubble-scroller' }, olderButton, bubbles);

  const textarea = h('textarea', {
    id: 'compose-body',
    name: 'body',
    rows: '3',
    maxlength: '1600',
    'aria-describedby': 'compose-meter compose-error',
    oninput: updateMeter,
    onkeydown: (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.requestSubmit();
    },
  });
  const meter = h('p', { id: 'compose-meter', class: 'meter', 'aria-live': 'polite' });
  const sendError = h('p', { id: 'compose-error', class: 'field-error', role: 'alert' });
  const blocked = h('p', { class: 'blocked', role: 'note', hidden: true });
  const sendButton = h('button', { type: 'submit' }, 'Send');
  const form = h(
    'form',
    { class: 'composer', 'aria-label': 'Send a message', onsubmit: send },
    h('label', { for: 'compose-body' }, `Message to ${contact}`),
    blocked,
    textarea,
    h(
      'div',
      { class: 'composer-foot' },
      meter,
      h('span', { class: 'hint' }, 'Ctrl+Enter sends'),
      sendButton,
    ),
    sendError,
  );

  replace(
    root,
    h(
      'div',
      { class: 'thread' },
      h(
        'header',
        { class: 'thread-head' },
        h('a', { class: 'back-link', href: '#/inbox' }, '← Inbox'),
        title,
        subtitle,
        flags,
      ),
      h(
        'details',
        { class: 'thread-details', open: true },
        h('summary', {}, 'State, variables and tags'),
        meta,
      ),
      scroller,
      form,
    ),
  );
  updateMeter();
  title.focus({ preventScroll: true });

  function updateMeter() {
    const body = textarea.value;
    meter.textContent = body ? describeSegments(body).text : 'Up to 1600 characters.';
  }

  async function load() {
    const seq = ++loadSeq;
    try {
      const t = await get(threadPath(contact, number));
      if (seq !== loadSeq || unmounted) return;
      thread = t;
      render();
    } catch (err) {
      if (seq !== loadSeq || unmounted) return;
      const text =
        err instanceof ApiError && err.status === 404
          ? `No conversation with ${contact} yet.`
          : `Could not load the conversation: ${err.message}`;
      replace(bubbles, h('li', { class: 'notice' }, text));
    }
  }

  async function loadOlder() {
    olderPages += 1;
    olderButton.disabled = true;
    try {
      const q = new URLSearchParams({ page: String(olderPages), limit: String(PAGE) });
      if (thread?.number) q.set('number', thread.number);
      const page = await get(`${threadPath(contact, null, '/messages')}?${q}`);
      olderTotal = page.total;
      for (const m of page.items) older.set(m.id, m);
      const before = scroller.scrollHeight;
      render();
      // Keep the reader where they were: the older messages appear above.
      scroller.scrollTop += scroller.scrollHeight - before;
    } catch (err) {
      olderPages -= 1;
      toast(`Could not load older messages: ${err.message}`, 'error');
    } finally {
      olderButton.disabled = false;
    }
  }

  function render() {
    const t = thread;
    subtitle.textContent = `Texted ${t.number} · first message ${
      t.firstMessageAt ? formatDateTime(t.firstMessageAt) : '—'
    } · ${t.messageCount} message${t.messageCount === 1 ? '' : 's'}`;
    replace(
      flags,
      t.optedOut
        ? badge(`Opted out ${t.optedOutAt ? formatDateTime(t.optedOutAt) : ''}`.trim(), 'danger')
        : badge('Subscribed', 'ok'),
    );
    replace(
      meta,
      h('dt', {}, 'State'),
      h(
        'dd',
        { 'data-field': 'state' },
        t.state ? h('code', {}, t.state) : h('span', { class: 'muted' }, 'none'),
      ),
      h('dt', {}, 'Tags'),
      h('dd', { 'data-field': 'tags' }, tagList(t.tags)),
      h('dt', {}, 'Variables'),
      h('dd', { 'data-field': 'vars' }, varsTable(t.vars)),
    );

    // Newest first from the API; shown oldest at the top, as on a phone.
    const byId = new Map(older);
    for (const m of t.messages) byId.set(m.id, m);
    const messages = [...byId.values()].sort(
      (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id),
    );
    const nearBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
    replace(
      bubbles,
      messages.length ? messages.map(bubble) : h('li', { class: 'notice' }, 'No messages yet.'),
    );
    const total = olderTotal ?? t.messageCount;
    olderButton.hidden = messages.length >= total || t.messages.length < PAGE;
    if (firstRender || nearBottom) scroller.scrollTop = scroller.scrollHeight;
    firstRender = false;

    if (t.optedOut) {
      blocked.hidden = false;
      blocked.textContent = `Sending is blocked: ${t.contact} opted out${
        t.optedOutAt ? ` on ${formatDateTime(t.optedOutAt)}` : ''
      } (replied STOP, or the carrier reported it). Nothing can be sent to them until they text START.`;
      textarea.disabled = true;
      sendButton.disabled = true;
    } else {
      blocked.hidden = true;
      textarea.disabled = false;
      sendButton.disabled = false;
    }
    watchStatuses(messages);
  }

  /** While a message sent from here is on its way, look again for its delivery status. */
  function watchStatuses(messages) {
    clearTimeout(pollTimer);
    const pending = messages.some(
      (m) => m.direction === 'outbound' && !FINAL_STATUSES.has(m.status),
    );
    if (!pending || polls >= STATUS_POLLS || unmounted) return;
    pollTimer = setTimeout(() => {
      polls += 1;
      load();
    }, STATUS_POLL_MS);
  }

  async function send(event) {
    event.preventDefault();
    const body = textarea.value.trim();
    sendError.textContent = '';
    textarea.removeAttribute('aria-invalid');
    if (!body) {
      sendError.textContent = 'Write a message first.';
      textarea.setAttribute('aria-invalid', 'true');
      textarea.focus();
      return;
    }
    const request = { to: contact, body };
    const from = thread?.number ?? number;
    if (from && SENDER.test(from)) request.from = from;
    // One key per draft: pressing Send again after a network error cannot send it twice.
    if (draftBody !== body) {
      draftKey = randomKey();
      draftBody = body;
    }
    sendButton.disabled = true;
    sendButton.textContent = 'Sending…';
    try {
      const sent = await api('POST', '/api/messages', request, { 'Idempotency-Key': draftKey });
      draftBody = null;
      textarea.value = '';
      updateMeter();
      toast(`Sent to ${sent.to}: ${sent.status}, ${sent.segments} segment(s), ${sent.encoding}`);
      polls = 0;
      await load();
      onChange?.();
    } catch (err) {
      sendError.textContent = err.message;
      textarea.setAttribute('aria-invalid', 'true');
      if (err instanceof ApiError && err.status === 409 && err.code === 'opted_out') await load();
      // Refused for good (not a network failure, an upstream error, or the first attempt still
      // sending, whose key a new try must reuse): a new try is a new send.
      const pending = err instanceof ApiError && err.code === 'send_in_progress';
      if (err instanceof ApiError && err.status !== 0 && err.status < 500 && !pending) {
        draftBody = null;
      }
    } finally {
      sendButton.textContent = 'Send';
      sendButton.disabled = Boolean(thread?.optedOut);
    }
  }

  load();

  return {
    refresh() {
      polls = 0;
      load();
    },
    unmount() {
      unmounted = true;
      clearTimeout(pollTimer);
    },
  };
}
