// Building the page: elements from plain values (text is always set as text, never parsed as HTML).

/**
 * h('p', {class: 'x', onclick: fn}, 'text', child, [more children])
 * Attributes: `class`, `for`, `aria-*`, `data-*` and other names as given; `on…` functions become
 * listeners; booleans toggle the attribute; null/undefined/false skip it.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'value' && 'value' in el) {
      el.value = value;
    } else if (name === 'checked' || name === 'disabled' || name === 'selected') {
      el[name] = Boolean(value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces the children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * "← Newer · Page 2 of 5 · Older →" for one page of a list answer ({page, limit, total});
 * `go(n)` shows page n.
 */
export function pagerControls(page, go) {
  const pages = Math.max(1, Math.ceil(page.total / page.limit));
  const step = (label, target, disabled) =>
    h('button', { type: 'button', class: 'secondary', disabled, onclick: () => go(target) }, label);
  return [
    step('← Newer', page.page - 1, page.page <= 1),
    h('span', { class: 'muted' }, `Page ${page.page} of ${pages}`),
    step('Older →', page.page + 1, page.page >= pages),
  ];
}

/**
 * A table of records: its caption (for screen readers), its column headings and its rows.
 * A column is its heading (text or element), or {label, class} (e.g. class 'num' for counts).
 */
export function dataTable({ id, caption, columns, rows }) {
  const heading = (column) =>
    column !== null && typeof column === 'object' && !(column instanceof Node)
      ? h('th', { scope: 'col', class: column.class }, column.label)
      : h('th', { scope: 'col' }, column);
  return h(
    'table',
    { class: 'data', id },
    h('caption', { class: 'sr-only' }, caption),
    h('thead', {}, h('tr', {}, columns.map(heading))),
    h('tbody', {}, rows),
  );
}

/**
 * A view's section, labelled by its heading. The heading takes focus when the view opens
 * (main.js), so a screen reader announces the page that was navigated to.
 */
export function viewSection({ class: className, titleId, title }, ...children) {
  return h(
    'section',
    { class: className, 'aria-labelledby': titleId },
    h('h1', { id: titleId, tabindex: '-1' }, title),
    ...children,
  );
}

/** Text read only by screen readers (visually hidden). */
export function srOnly(text) {
  return h('span', { class: 'sr-only' }, text);
}

const absolute = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'short',
});
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

export function formatDateTime(iso) {
  if (!iso) return '—';
  return absolute.format(new Date(iso));
}

/** "14:05" today, else "3 Mar 2026, 14:05". */
export function formatShort(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  const today = new Date();
  return d.toDateString() === today.toDateString() ? timeOnly.format(d) : absolute.format(d);
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const STEPS = [
  ['year', 365 * 86400],
  ['month', 30 * 86400],
  ['week', 7 * 86400],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** "3 minutes ago", "in 2 hours". */
export function formatRelative(iso) {
  if (!iso) return '—';
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  if (Math.abs(seconds) < 45) return seconds < 0 || seconds < 1 ? 'just now' : 'in a moment';
  for (const [unit, size] of STEPS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return 'just now';
}

/** A <time> showing a relative time, with the exact one as its title. */
export function timeEl(iso, style = 'relative') {
  if (!iso) return h('span', {}, '—');
  const text =
    style === 'relative'
      ? formatRelative(iso)
      : style === 'short'
        ? formatShort(iso)
        : formatDateTime(iso);
  return h('time', { datetime: iso, title: formatDateTime(iso) }, text);
}

/** A small labelled pill: badge('Opted out', 'danger'). */
export function badge(text, tone = 'neutral', title) {
  return h('span', { class: `badge badge-${tone}`, title }, text);
}

/** Tag chips, or a dash. */
export function tagList(tags, label = 'Tags') {
  if (!tags || tags.length === 0) return h('span', { class: 'muted' }, 'none');
  return h(
    'ul',
    { class: 'chips', 'aria-label': label },
    tags.map((t) => h('li', { class: 'chip' }, t)),
  );
}

/** A key → value table of variables. */
export function varsTable(vars, caption = 'Variables') {
  const entries = Object.entries(vars ?? {});
  if (entries.length === 0) return h('span', { class: 'muted' }, 'none');
  return h(
    'table',
    { class: 'kv' },
    h('caption', { class: 'sr-only' }, caption),
    h(
      'tbody',
      {},
      entries.map(([k, v]) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, k),
          h('td', {}, typeof v === 'string' ? v : JSON.stringify(v)),
        ),
      ),
    ),
  );
}

let toastTimer = null;
/** A short message in the polite live region at the bottom of the page. */
export function toast(message, tone = 'info') {
  const el = document.getElementById('toast');
  if (!el) return;
  el.dataset.tone = tone;
  el.textContent = message;
  el.classList.add('visible');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove('visible'), 5000);
}

/** The delivery-status pill of a stored message. */
const STATUS_TONES = {
  delivered: 'ok',
  read: 'ok',
  received: 'neutral',
  twiml: 'info',
  'dry-run': 'neutral',
  queued: 'info',
  accepted: 'info',
  scheduled: 'info',
  pending: 'info',
  sending: 'info',
  sent: 'info',
  failed: 'danger',
  undelivered: 'danger',
  canceled: 'neutral',
  unknown: 'warn',
  skipped: 'neutral',
};
export function statusBadge(status) {
  const label = status === 'twiml' ? 'TwiML reply' : status;
  return badge(label, STATUS_TONES[status] ?? 'neutral', `Status: ${status}`);
}

/** Statuses after which nothing changes any more (no need to look again). */
export const FINAL_STATUSES = new Set([
  'received',
  'twiml',
  'dry-run',
  'delivered',
  'read',
  'failed',
  'undelivered',
  'canceled',
  'unknown',
  'skipped',
]);
