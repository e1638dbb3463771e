// The phone simulator: text the live rules as a test contact through POST /api/rules/test (nothing
// stored, nothing sent). The conversation's state lives here, in the page, and goes with each message.
import { ApiError, api } from './api.js';
import {
  badge,
  formatDateTime,
  h,
  replace,
  srOnly,
  tagList,
  varsTable,
  viewSection,
} from './dom.js';
import { describeSegments } from './segmentMeter.js';

const STORAGE_KEY = 'replybot.console.simulator';
const DEFAULT_FROM = '+15555550100';

function freshContact() {
  return { state: null, vars: {}, tags: [], messageCount: 0, optedOut: false };
}

function freshSession(settings) {
  return {
    settings: settings ?? { from: DEFAULT_FROM, to: '' },
    contact: freshContact(),
    /** What the phone shows: {who: 'me'|'bot'|'note', text, ...}. */
    log: [],
    followUps: [],
    last: null,
  };
}

function restore() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null');
    if (saved && saved.contact && Array.isArray(saved.log)) return saved;
  } catch {
    // A damaged entry starts a new conversation.
  }
  return freshSession();
}

/**
 * The contact after a message, as the webhook leaves the thread (src/conversations/inbound.ts,
 * stateAfter). The server decides with the contact's opt-out, as the webhook does: an opted-out
 * contact's ordinary messages get no reply and change nothing.
 */
export function applyOutcome(contact, outcome) {
  const next = { ...contact, vars: { ...contact.vars }, tags: [...contact.tags] };
  next.messageCount += 1;
  const a = outcome.actions;
  Object.assign(next.vars, a.set);
  if (a.state !== undefined) next.state = a.state;
  const tags = new Set(next.tags);
  for (const t of a.tags.add) tags.add(t);
  for (const t of a.tags.remove) tags.delete(t);
  next.tags = [...tags];
  if (a.optOut) next.optedOut = true;
  if (a.optIn) next.optedOut = false;
  return next;
}

export function simulatorView(root) {
  let session = restore();
  const save = () => sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));

  const screen = h('ol', {
    class: 'sim-screen',
    'aria-label': 'Conversation on the simulated phone',
    'aria-live': 'polite',
  });
  const input = h('input', {
    id: 'sim-text',
    type: 'text',
    autocomplete: 'off',
    maxlength: '1600',
    placeholder: 'Text message',
    'aria-describedby': 'sim-meter',
    oninput: () => {
      meter.textContent = input.value ? describeSegments(input.value).text : '';
    },
  });
  const meter = h('p', { id: 'sim-meter', class: 'meter sim-meter', 'aria-live': 'polite' });
  const sendButton = h('button', { type: 'submit', class: 'sim-send' }, 'Send');
  const phoneForm = h(
    'form',
    { class: 'sim-input', onsubmit: send },
    h('label', { for: 'sim-text', class: 'sr-only' }, 'Message from the test contact'),
    input,
    sendButton,
  );
  const header = h('div', { class: 'sim-header' });
  const phone = h(
    'div',
    { class: 'phone', role: 'group', 'aria-label': 'Simulated phone' },
    h('div', { class: 'phone-notch', 'aria-hidden': 'true' }),
    header,
    screen,
    phoneForm,
    meter,
  );

  const lastPanel = h('div', { class: 'sim-last', 'aria-live': 'polite' });
  const contactPanel = h('dl', { class: 'sim-contact' });
  const followUps = h('div', { class: 'sim-followups' });
  const fromInput = h('input', {
    id: 'sim-from',
    type: 'tel',
    autocomplete: 'off',
    value: session.settings.from,
  });
  const toInput = h('input', {
    id: 'sim-to',
    type: 'text',
    autocomplete: 'off',
    value: session.settings.to,
    placeholder: 'the server’s default',
  });
  const settingsError = h('p', { class: 'field-error', role: 'alert' });
  const twiml = h('pre', { class: 'twiml' });

  const inspector = h(
    'div',
    { class: 'sim-inspector' },
    h('h2', {}, 'Last message'),
    lastPanel,
    h('h2', {}, 'The contact now'),
    contactPanel,
    h('h2', {}, 'Follow-ups it would schedule'),
    followUps,
    h('details', { class: 'twiml-details' }, h('summary', {}, 'TwiML of the last reply'), twiml),
    h(
      'details',
      { class: 'sim-settings' },
      h('summary', {}, 'Test contact and number'),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'sim-from' }, 'Contact’s number (From)'),
        fromInput,
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'sim-to' }, 'Our number (To), for rules with a to: condition'),
        toInput,
      ),
      settingsError,
    ),
    h(
      'button',
      { type: 'button', class: 'secondary', id: 'sim-reset', onclick: reset },
      'Reset conversation',
    ),
  );

  root.append(
    viewSection(
      { class: 'simulator', titleId: 'sim-title', title: 'Phone simulator' },
      h(
        'p',
        { class: 'lead' },
        'Text the live rules as a test contact. Nothing is stored and nothing is sent: each message ' +
          'runs through the same decision code as the webhook, with the conversation kept in this page.',
      ),
      h('div', { class: 'sim-grid' }, phone, inspector),
    ),
  );
  render();

  async function send(event) {
    event.preventDefault();
    const body = input.value;
    if (!body.trim()) {
      input.focus();
      return;
    }
    settingsError.textContent = '';
    session.settings = { from: fromInput.value.trim(), to: toInput.value.trim() };
    const request = {
      body,
      state: session.contact.state,
      vars: session.contact.vars,
      tags: session.contact.tags,
      messageCount: session.contact.messageCount,
      optedOut: session.contact.optedOut,
    };
    if (session.settings.from) request.from = session.settings.from;
    if (session.settings.to) request.to = session.settings.to;
    sendButton.disabled = true;
    try {
      const outcome = await api('POST', '/api/rules/test', request);
      const contact = applyOutcome(session.contact, outcome);
      const before = session.contact;
      session.contact = contact;
      session.log.push({ who: 'me', text: body });
      for (const r of outcome.replies)
        session.log.push({ who: 'bot', text: r.body, media: r.media });
      if (outcome.replies.length === 0) {
        session.log.push({
          who: 'note',
          text:
            before.optedOut && outcome.kind === 'none'
              ? 'No reply: this contact opted out (only the opt-in and help keywords are answered).'
              : 'No reply.',
        });
      }
      if (outcome.actions.schedule) {
        const s = outcome.actions.schedule;
        session.followUps.push({
          at: s.at,
          template: s.template ?? null,
          body: s.body ?? null,
          rule: outcome.rule?.id ?? null,
        });
        session.log.push({ who: 'note', text: `Follow-up scheduled for ${formatDateTime(s.at)}` });
      }
      session.last = {
        body,
        kind: outcome.kind,
        rule: outcome.rule,
        match: outcome.match,
        error: outcome.error,
        twiml: outcome.twiml,
        changes: describeChanges(before, contact),
      };
      save();
      input.value = '';
      meter.textContent = '';
      render();
    } catch (err) {
      const fields =
        err instanceof ApiError ? [...err.forField('from'), ...err.forField('to')] : [];
      if (fields.length) {
        settingsError.textContent = fields.join('; ');
        inspector.querySelector('.sim-settings').open = true;
      } else {
        session.log.push({ who: 'note', text: `Could not run the rules: ${err.message}` });
        render();
      }
    } finally {
      sendButton.disabled = false;
      input.focus();
    }
  }

  function reset() {
    session = freshSession({ from: fromInput.value.trim(), to: toInput.value.trim() });
    save();
    render();
    input.value = '';
    input.focus();
  }

  function render() {
    replace(
      header,
      h(
        'span',
        { class: 'sim-who' },
        'Texting as ',
        h('strong', {}, session.settings.from || DEFAULT_FROM),
      ),
      session.contact.optedOut ? badge('Opted out', 'danger') : null,
    );
    replace(
      screen,
      session.log.length
        ? session.log.map((entry) =>
            entry.who === 'note'
              ? h('li', { class: 'sim-note' }, entry.text)
              : h(
                  'li',
                  { class: `sim-bubble sim-${entry.who}` },
                  srOnly(entry.who === 'me' ? 'You: ' : 'Bot: '),
                  entry.text,
                  entry.media && entry.media.length
                    ? h('span', { class: 'sim-media' }, `+ ${entry.media.length} attachment(s)`)
                    : null,
                ),
          )
        : h('li', { class: 'sim-note' }, 'Send a message to start. Try “hi” or “book a table”.'),
    );
    screen.scrollTop = screen.scrollHeight;

    const last = session.last;
    if (!last) {
      replace(lastPanel, h('p', { class: 'muted' }, 'Nothing sent yet.'));
    } else {
      replace(
        lastPanel,
        h(
          'dl',
          {},
          h('dt', {}, 'Message'),
          h('dd', {}, last.body),
          h('dt', {}, 'Matched'),
          h(
            'dd',
            { id: 'sim-rule' },
            last.rule
              ? [
                  h('code', {}, last.rule.id),
                  last.rule.description
                    ? h('span', { class: 'muted' }, ` — ${last.rule.description}`)
                    : null,
                ]
              : h('span', { class: 'muted' }, kindText(last.kind)),
          ),
          Object.keys(last.match ?? {}).length
            ? [h('dt', {}, 'Captured'), h('dd', {}, varsTable(last.match, 'Captured values'))]
            : null,
          h('dt', {}, 'Changes'),
          h(
            'dd',
            {},
            last.changes.length
              ? h(
                  'ul',
                  { class: 'plain' },
                  last.changes.map((c) => h('li', {}, c)),
                )
              : h('span', { class: 'muted' }, 'none'),
          ),
          last.error ? [h('dt', {}, 'Error'), h('dd', { class: 'field-error' }, last.error)] : null,
        ),
      );
    }
    replace(twiml, last ? last.twiml : '');

    const c = session.contact;
    replace(
      contactPanel,
      h('dt', {}, 'State'),
      h(
        'dd',
        { id: 'sim-state' },
        c.state ? h('code', {}, c.state) : h('span', { class: 'muted' }, 'none'),
      ),
      h('dt', {}, 'Variables'),
      h('dd', { id: 'sim-vars' }, varsTable(c.vars)),
      h('dt', {}, 'Tags'),
      h('dd', { id: 'sim-tags' }, tagList(c.tags)),
      h('dt', {}, 'Messages sent'),
      h('dd', {}, String(c.messageCount)),
      h('dt', {}, 'Opted out'),
      h('dd', {}, c.optedOut ? 'yes' : 'no'),
    );

    replace(
      followUps,
      session.followUps.length
        ? h(
            'ul',
            { class: 'plain', id: 'sim-followups' },
            session.followUps.map((f) =>
              h(
                'li',
                {},
                h('strong', {}, formatDateTime(f.at)),
                f.rule ? ` (rule ${f.rule})` : '',
                ': ',
                f.body ? `“${f.body}”` : `template ${f.template}`,
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'None.'),
    );
  }

  return {
    title: 'Simulator',
    unmount() {},
  };
}

function kindText(kind) {
  return (
    {
      opt_out: 'opt-out keyword (STOP)',
      opt_in: 'opt-in keyword (START)',
      help: 'help keyword (HELP)',
      none: 'no rule',
    }[kind] ?? kind
  );
}

/** "state: none → awaiting_name", "tag added: booked", "var name = Ada". */
function describeChanges(before, after) {
  const changes = [];
  if (before.state !== after.state)
    changes.push(`state: ${before.state ?? 'none'} → ${after.state ?? 'none'}`);
  for (const [k, v] of Object.entries(after.vars)) {
    if (before.vars[k] !== v)
      changes.push(`var ${k} = ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  for (const t of after.tags) if (!before.tags.includes(t)) changes.push(`tag added: ${t}`);
  for (const t of before.tags) if (!after.tags.includes(t)) changes.push(`tag removed: ${t}`);
  if (before.optedOut !== after.optedOut)
    changes.push(after.optedOut ? 'opted out' : 'opted back in');
  return changes;
}
