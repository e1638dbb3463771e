// Schedules: the list with status and next fires; create (once or cron), pause, resume, cancel.
// All through /api/schedules; the API's validation errors are shown beside the fields they name.
import { ApiError, api, get } from './api.js';
import {
  badge,
  dataTable,
  formatDateTime,
  h,
  pagerControls,
  replace,
  timeEl,
  toast,
  viewSection,
} from './dom.js';
import { describeSegments } from './segmentMeter.js';

const STATUS_TONES = {
  active: 'ok',
  running: 'info',
  paused: 'warn',
  done: 'neutral',
  missed: 'danger',
  failed: 'danger',
  canceled: 'neutral',
};
const FINISHED = new Set(['done', 'missed', 'failed', 'canceled']);

/** "+14155550123, +14155550124" → array; "tag:vip" or "#vip" → {tag}; one number → string. */
export function parseRecipients(text) {
  const s = text.trim();
  const tag = /^(?:tag:|#)\s*(.+)$/i.exec(s);
  if (tag) return { tag: tag[1].trim() };
  const numbers = s.split(/[\s,;]+/).filter(Boolean);
  return numbers.length === 1 ? numbers[0] : numbers;
}

/** "name=Ada" lines → {name: "Ada"}; a line without "=" is an error. */
export function parseVars(text) {
  const vars = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq < 1) throw new Error(`line ${i + 1}: write name=value`);
    vars[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return vars;
}

function recipientsText(to) {
  if (Array.isArray(to))
    return to.length > 3 ? `${to.slice(0, 3).join(', ')} +${to.length - 3}` : to.join(', ');
  return to && to.tag ? `tag ${to.tag}` : String(to);
}

function timezones() {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC', 'America/New_York', 'America/Los_Angeles', 'Europe/London', 'Europe/Berlin'];
  }
}

/** A labelled field with its hint and its error slot, wired for screen readers. */
function field(id, label, control, hint) {
  const error = h('p', { class: 'field-error', id: `${id}-error`, 'data-error-for': id });
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  control.id = id;
  control.setAttribute(
    'aria-describedby',
    [hintEl ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(' '),
  );
  return {
    wrap: h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl, error),
    error,
    control,
  };
}

export function schedulesView(root) {
  const listState = { page: 1, limit: 20, status: '' };
  const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  // --- the create form ---
  const name = field(
    'sched-name',
    'Name (optional)',
    h('input', { type: 'text', maxlength: '200' }),
  );
  const to = field(
    'sched-to',
    'To',
    h('input', { type: 'text', autocomplete: 'off', placeholder: '+14155550123, +14155550124' }),
    'One or more E.164 numbers separated by commas, or tag:vip for every thread with that tag.',
  );
  const bodyMeter = h('span', { class: 'meter', 'aria-live': 'polite' });
  const body = field(
    'sched-body',
    'Text',
    h('textarea', {
      rows: '3',
      maxlength: '1600',
      oninput: () => {
        bodyMeter.textContent = body.control.value ? describeSegments(body.control.value).text : '';
      },
    }),
  );
  body.wrap.append(bodyMeter);
  const templateList = h('datalist', { id: 'sched-templates' });
  const template = field(
    'sched-template',
    'Template',
    h('input', { type: 'text', list: 'sched-templates', autocomplete: 'off' }),
    'A template name from templates/, such as follow-up.',
  );
  const vars = field(
    'sched-vars',
    'Variables',
    h('textarea', { rows: '2', placeholder: 'name=Ada' }),
    'One name=value per line.',
  );
  const sendAt = field(
    'sched-sendAt',
    'Send at',
    h('input', { type: 'datetime-local', step: '60' }),
    `Your local time (${localZone}).`,
  );
  const cron = field(
    'sched-cron',
    'Cron',
    h('input', {
      type: 'text',
      autocomplete: 'off',
      placeholder: '0 9 * * 1-5',
      spellcheck: 'false',
    }),
    'minute hour day month weekday (6 fields: seconds first). 0 9 * * 1-5 = weekdays at 09:00.',
  );
  const zoneList = h(
    'datalist',
    { id: 'sched-zones' },
    timezones().map((z) => h('option', { value: z })),
  );
  const timezone = field(
    'sched-timezone',
    'Time zone',
    h('input', {
      type: 'text',
      list: 'sched-zones',
      autocomplete: 'off',
      placeholder: 'the server’s TIMEZONE',
    }),
    'IANA name such as America/New_York; empty: the server’s default.',
  );
  const formError = h('p', { class: 'field-error form-error', role: 'alert' });

  const textMode = radioGroup('sched-text-mode', 'Message', [
    ['body', 'Text'],
    ['template', 'Template'],
  ]);
  const whenMode = radioGroup('sched-when', 'When', [
    ['once', 'Once'],
    ['cron', 'Recurring (cron)'],
  ]);
  const textFields = h('div', { class: 'mode-body' }, body.wrap);
  const templateFields = h(
    'div',
    { class: 'mode-template', hidden: true },
    template.wrap,
    vars.wrap,
  );
  const onceFields = h('div', { class: 'mode-once' }, sendAt.wrap);
  const cronFields = h('div', { class: 'mode-cron', hidden: true }, cron.wrap, timezone.wrap);
  textMode.onChange((mode) => {
    textFields.hidden = mode !== 'body';
    templateFields.hidden = mode !== 'template';
  });
  whenMode.onChange((mode) => {
    onceFields.hidden = mode !== 'once';
    cronFields.hidden = mode !== 'cron';
  });

  const createButton = h('button', { type: 'submit' }, 'Create schedule');
  const form = h(
    'form',
    {
      class: 'schedule-form',
      novalidate: true,
      onsubmit: create,
      'aria-labelledby': 'sched-new-title',
    },
    h('h2', { id: 'sched-new-title' }, 'New schedule'),
    name.wrap,
    to.wrap,
    textMode.el,
    textFields,
    templateFields,
    whenMode.el,
    onceFields,
    cronFields,
    templateList,
    zoneList,
    formError,
    h('div', { class: 'actions' }, createButton),
  );
  const fields = { name, to, body, template, vars, sendAt, cron, timezone };

  // --- the list ---
  const statusSelect = h(
    'select',
    {
      id: 'sched-filter',
      onchange: () => {
        listState.status = statusSelect.value;
        listState.page = 1;
        loadList();
      },
    },
    h('option', { value: '' }, 'all'),
    Object.keys(STATUS_TONES).map((s) => h('option', { value: s }, s)),
  );
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' });
  const tableWrap = h('div', { class: 'table-wrap' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Schedule pages' });
  const dialog = confirmDialog();

  root.append(
    viewSection(
      { class: 'schedules', titleId: 'sched-title', title: 'Schedules' },
      h(
        'div',
        { class: 'sched-grid' },
        h(
          'div',
          { class: 'sched-list' },
          h(
            'div',
            { class: 'toolbar' },
            h(
              'div',
              { class: 'field inline' },
              h('label', { for: 'sched-filter' }, 'Status'),
              statusSelect,
            ),
          ),
          summary,
          tableWrap,
          pager,
        ),
        form,
      ),
      dialog.el,
    ),
  );

  get('/api/rules')
    .then((status) =>
      replace(
        templateList,
        status.templates.map((t) => h('option', { value: t })),
      ),
    )
    .catch(() => undefined);

  function clearErrors() {
    formError.textContent = '';
    for (const f of Object.values(fields)) {
      f.error.textContent = '';
      f.control.removeAttribute('aria-invalid');
    }
  }

  function showError(f, message) {
    f.error.textContent = message;
    f.control.setAttribute('aria-invalid', 'true');
  }

  async function create(event) {
    event.preventDefault();
    clearErrors();
    const request = {};
    if (name.control.value.trim()) request.name = name.control.value.trim();
    request.to = parseRecipients(to.control.value);
    if (textMode.value() === 'body') {
      request.body = body.control.value;
    } else {
      request.template = template.control.value.trim();
      try {
        const v = parseVars(vars.control.value);
        if (Object.keys(v).length) request.vars = v;
      } catch (err) {
        showError(vars, err.message);
        vars.control.focus();
        return;
      }
    }
    if (whenMode.value() === 'once') {
      if (!sendAt.control.value) {
        showError(sendAt, 'Choose the date and time to send.');
        sendAt.control.focus();
        return;
      }
      // datetime-local is wall-clock time without a zone: this browser's zone, sent as UTC.
      request.sendAt = new Date(sendAt.control.value).toISOString();
    } else {
      request.cron = cron.control.value.trim();
      if (timezone.control.value.trim()) request.timezone = timezone.control.value.trim();
    }
    createButton.disabled = true;
    try {
      const created = await api('POST', '/api/schedules', request);
      toast(
        `Schedule created${created.nextRunAt ? `: next fire ${formatDateTime(created.nextRunAt)}` : ''}.`,
      );
      form.reset();
      textMode.set('body');
      whenMode.set('once');
      bodyMeter.textContent = '';
      listState.page = 1;
      await loadList();
    } catch (err) {
      showApiErrors(err);
    } finally {
      createButton.disabled = false;
    }
  }

  function showApiErrors(err) {
    if (!(err instanceof ApiError) || !Array.isArray(err.details)) {
      formError.textContent = err.message;
      return;
    }
    let focused = false;
    const unplaced = [];
    for (const d of err.details) {
      const key = String(d.field).split('.')[0];
      // "exactly one of body and template" is about whichever of the two is shown.
      const f =
        key === 'body' && textMode.value() === 'template'
          ? template
          : key === 'sendAt' && whenMode.value() === 'cron'
            ? cron
            : fields[key];
      if (!f) {
        unplaced.push(d.field === '(root)' ? d.message : `${d.field}: ${d.message}`);
        continue;
      }
      showError(f, f.error.textContent ? `${f.error.textContent}; ${d.message}` : d.message);
      if (!focused) {
        f.control.focus();
        focused = true;
      }
    }
    formError.textContent = unplaced.length
      ? unplaced.join('; ')
      : 'Please correct the fields marked above.';
  }

  async function loadList() {
    const q = new URLSearchParams({ page: String(listState.page), limit: String(listState.limit) });
    if (listState.status) q.set('status', listState.status);
    try {
      const page = await get(`/api/schedules?${q}`);
      renderList(page);
    } catch (err) {
      summary.className = 'summary error';
      summary.textContent = `Could not load schedules: ${err.message}`;
    }
  }

  function renderList(page) {
    summary.className = 'summary';
    summary.textContent = page.total
      ? `${page.total} schedule${page.total === 1 ? '' : 's'}${listState.status ? ` (${listState.status})` : ''}`
      : 'No schedules yet.';
    replace(
      tableWrap,
      page.items.length
        ? dataTable({
            id: 'schedules-table',
            caption: 'Schedules, newest first',
            columns: [
              'Schedule',
              'When',
              'Status',
              'Next fire',
              h('span', { class: 'sr-only' }, 'Actions'),
            ],
            rows: page.items.map(scheduleRows),
          })
        : null,
    );
    replace(
      pager,
      page.total > page.limit
        ? pagerControls(page, (n) => {
            listState.page = n;
            loadList();
          })
        : null,
    );
  }

  function scheduleRows(s) {
    const label = s.name || (s.body ? s.body : `template ${s.template}`);
    const details = h('tr', { class: 'sched-details', hidden: true }, h('td', { colspan: '5' }));
    const detailsButton = h(
      'button',
      {
        type: 'button',
        class: 'link',
        'aria-expanded': 'false',
        onclick: async () => {
          const open = detailsButton.getAttribute('aria-expanded') !== 'true';
          detailsButton.setAttribute('aria-expanded', String(open));
          details.hidden = !open;
          if (open) await loadDetails(s.id, details.firstChild);
        },
      },
      'Details',
    );
    const actions = [];
    if (!FINISHED.has(s.status)) {
      if (s.enabled) {
        actions.push(
          h(
            'button',
            {
              type: 'button',
              class: 'secondary small',
              onclick: () => change(s, { enabled: false }, 'paused'),
            },
            'Pause',
          ),
        );
      } else {
        actions.push(
          h(
            'button',
            {
              type: 'button',
              class: 'secondary small',
              onclick: () => change(s, { enabled: true }, 'resumed'),
            },
            'Resume',
          ),
        );
      }
      actions.push(
        h('button', { type: 'button', class: 'danger small', onclick: () => cancel(s) }, 'Cancel'),
      );
    }
    const row = h(
      'tr',
      { 'data-id': s.id, 'data-status': s.status },
      h(
        'td',
        {},
        h('strong', { class: 'sched-name' }, label),
        h('div', { class: 'muted small' }, `to ${recipientsText(s.to)}`),
        s.name && (s.body || s.template)
          ? h('div', { class: 'small sched-text' }, s.body ?? `template ${s.template}`)
          : null,
        s.source === 'rule'
          ? h('div', { class: 'muted small' }, `follow-up of rule ${s.rule ?? ''}`)
          : null,
      ),
      h(
        'td',
        {},
        s.cron
          ? [h('code', {}, s.cron), h('div', { class: 'muted small' }, s.timezone)]
          : formatDateTime(s.sendAt),
      ),
      h(
        'td',
        {},
        badge(
          s.enabled || FINISHED.has(s.status) ? s.status : 'paused',
          STATUS_TONES[s.enabled || FINISHED.has(s.status) ? s.status : 'paused'] ?? 'neutral',
        ),
      ),
      h('td', {}, s.nextRunAt && !FINISHED.has(s.status) ? timeEl(s.nextRunAt, 'absolute') : '—'),
      h('td', { class: 'row-actions' }, detailsButton, actions),
    );
    return [row, details];
  }

  /** A heading over a plain list of `items`, each shown by `item`; `empty` when there are none. */
  function detailList(title, items, item, empty) {
    return h(
      'div',
      {},
      h('h3', {}, title),
      items && items.length
        ? h(
            'ul',
            { class: 'plain' },
            items.map((x) => h('li', {}, item(x))),
          )
        : h('p', { class: 'muted' }, empty),
    );
  }

  async function loadDetails(id, cell) {
    replace(cell, h('p', { class: 'muted' }, 'Loading…'));
    try {
      const d = await get(`/api/schedules/${encodeURIComponent(id)}`);
      replace(
        cell,
        h(
          'div',
          { class: 'sched-more' },
          detailList(
            'Next fires',
            d.upcoming,
            (t) => [timeEl(t, 'absolute')],
            d.nextRunAt && !FINISHED.has(d.status) ? formatDateTime(d.nextRunAt) : 'none',
          ),
          detailList(
            'Recent fires',
            d.runs,
            (r) => [
              timeEl(r.fireAt, 'absolute'),
              ' ',
              badge(r.status, STATUS_TONES[r.status] ?? 'neutral'),
              ' ',
              Object.entries(r.messages)
                .map(([k, v]) => `${v} ${k}`)
                .join(', '),
              r.error ? h('span', { class: 'field-error' }, ` ${r.error}`) : null,
            ],
            'none yet',
          ),
        ),
      );
    } catch (err) {
      replace(cell, h('p', { class: 'field-error' }, err.message));
    }
  }

  async function change(s, patch, done) {
    try {
      await api('PATCH', `/api/schedules/${encodeURIComponent(s.id)}`, patch);
      toast(`Schedule ${done}.`);
    } catch (err) {
      toast(`Could not change the schedule: ${err.message}`, 'error');
    }
    await loadList();
  }

  async function cancel(s) {
    const ok = await dialog.ask(
      `Cancel “${s.name || s.body || s.template}”? It will not fire again; a send under way stops before its next recipients.`,
    );
    if (!ok) return;
    try {
      await api('DELETE', `/api/schedules/${encodeURIComponent(s.id)}`);
      toast('Schedule canceled.');
    } catch (err) {
      toast(`Could not cancel: ${err.message}`, 'error');
    }
    await loadList();
  }

  loadList();
  return {
    title: 'Schedules',
    unmount() {
      dialog.close();
    },
  };
}

/** Radio buttons in a fieldset: {el, value(), set(v), onChange(fn)}. */
function radioGroup(name, legend, options) {
  const handlers = [];
  const inputs = options.map(([value, label], i) => {
    const id = `${name}-${value}`;
    const input = h('input', {
      type: 'radio',
      name,
      id,
      value,
      checked: i === 0,
      onchange: () => handlers.forEach((fn) => fn(value)),
    });
    return h('span', { class: 'radio' }, input, h('label', { for: id }, label));
  });
  const el = h('fieldset', { class: 'radios' }, h('legend', {}, legend), inputs);
  const value = () => el.querySelector('input:checked')?.value;
  return {
    el,
    value,
    set(v) {
      const input = el.querySelector(`input[value="${v}"]`);
      if (input) input.checked = true;
      handlers.forEach((fn) => fn(v));
    },
    onChange(fn) {
      handlers.push(fn);
    },
  };
}

/** A modal yes/no question on a native <dialog> (focus kept inside, Escape answers no). */
function confirmDialog() {
  let resolve = null;
  const text = h('p', { id: 'confirm-text' });
  const yes = h('button', { type: 'button', class: 'danger', value: 'yes' }, 'Cancel schedule');
  const no = h('button', { type: 'button', class: 'secondary', value: 'no' }, 'Keep it');
  const el = h(
    'dialog',
    { class: 'confirm', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-text' },
    h('h2', { id: 'confirm-title' }, 'Cancel this schedule?'),
    text,
    h('div', { class: 'actions' }, no, yes),
  );
  const answer = (v) => {
    if (el.open) el.close();
    resolve?.(v);
    resolve = null;
  };
  yes.addEventListener('click', () => answer(true));
  no.addEventListener('click', () => answer(false));
  el.addEventListener('cancel', () => answer(false));
  return {
    el,
    ask(message) {
      text.textContent = message;
      el.showModal();
      no.focus();
      return new Promise((r) => {
        resolve = r;
      });
    },
    close: () => answer(false),
  };
}
