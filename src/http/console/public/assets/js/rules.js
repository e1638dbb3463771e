// Rules: what is loaded, the last load error with file:line:column, hits per rule, unmatched messages.
import { ApiError, api, get } from './api.js';
import { dataTable, formatDateTime, h, replace, timeEl, toast, viewSection } from './dom.js';

const PERIODS = [
  ['24h', 'last 24 hours'],
  ['7d', 'last 7 days'],
  ['30d', 'last 30 days'],
];

/** "rules/main.yaml:12:5 unknown key …" → ["rules/main.yaml:12:5", "unknown key …"]. */
export function splitLocation(line) {
  const m = /^(.+?:\d+(?::\d+)?):?\s+(.*)$/s.exec(line);
  return m ? [m[1], m[2]] : [null, line];
}

const first = (obj, names) => {
  for (const n of names) if (obj && obj[n] !== undefined && obj[n] !== null) return obj[n];
  return undefined;
};

/** The first of `names` that holds a list (or, for the stats, a map by rule id). */
const firstList = (obj, names) => {
  for (const n of names) if (obj && typeof obj[n] === 'object' && obj[n] !== null) return obj[n];
  return undefined;
};

/**
 * Hits per rule id from GET /api/rules/stats (`{messages, rules: [{id, hits, lastHitAt, loaded}],
 * noRule}`), read leniently: a changed shape shows less rather than breaking the page.
 */
export function statsByRule(data) {
  const result = new Map();
  if (!data) return result;
  let list = Array.isArray(data) ? data : firstList(data, ['rules', 'items', 'stats', 'hits']);
  if (list && !Array.isArray(list)) {
    list = Object.entries(list).map(([id, v]) =>
      typeof v === 'number' ? { id, hits: v } : { id, ...v },
    );
  }
  for (const row of list ?? []) {
    const id = first(row, ['id', 'rule', 'ruleId']);
    if (id === undefined) continue;
    result.set(String(id), {
      hits: Number(first(row, ['hits', 'count', 'total']) ?? 0),
      last:
        first(row, ['lastHitAt', 'lastHit', 'lastAt', 'last', 'lastSeen', 'lastSeenAt']) ?? null,
      loaded: row.loaded !== false,
    });
  }
  return result;
}

/** Grouped unmatched messages from GET /api/rules/unmatched (`{total, groups: [...]}`). */
export function unmatchedRows(data) {
  const list = Array.isArray(data)
    ? data
    : firstList(data, ['groups', 'items', 'unmatched', 'messages']);
  return (Array.isArray(list) ? list : []).map((row) => ({
    text: String(first(row, ['text', 'normalized', 'body', 'message']) ?? ''),
    count: Number(first(row, ['count', 'hits', 'total']) ?? 0),
    last: first(row, ['lastSeenAt', 'lastSeen', 'lastAt', 'last']) ?? null,
    rule: first(row, ['rule', 'answeredBy']) ?? null,
    example: first(row, ['example', 'sample', 'lastBody']) ?? null,
  }));
}

/** null when the route is not there (404): the console says "not available" instead of failing. */
async function optional(path) {
  try {
    return { data: await get(path) };
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 405))
      return { missing: true };
    return { error: err };
  }
}

export function rulesView(root) {
  let since = '7d';
  let status = null;
  const select = h(
    'select',
    {
      id: 'rules-since',
      onchange: () => {
        since = select.value;
        loadStats();
      },
    },
    PERIODS.map(([value, label]) => h('option', { value, selected: value === since }, label)),
  );
  const reloadButton = h('button', { type: 'button', onclick: reload }, 'Reload rules now');
  const overview = h('div', { class: 'rules-overview', 'aria-live': 'polite' });
  const errors = h('div', { class: 'rules-errors' });
  const table = h('div', { class: 'table-wrap' });
  const unmatched = h('div', { class: 'table-wrap' });
  let stats = { missing: true };
  let unmatchedData = { missing: true };

  root.append(
    viewSection(
      { class: 'rules', titleId: 'rules-title', title: 'Rules' },
      h(
        'div',
        { class: 'toolbar' },
        reloadButton,
        h(
          'div',
          { class: 'field inline' },
          h('label', { for: 'rules-since' }, 'Hits in the'),
          select,
        ),
      ),
      overview,
      errors,
      h('h2', {}, 'Rules and their hits'),
      table,
      h('h2', {}, 'Unmatched messages'),
      h(
        'p',
        { class: 'muted' },
        'Messages answered by a catch-all rule or by no rule: candidates for new rules.',
      ),
      unmatched,
    ),
  );

  async function loadStatus() {
    try {
      status = await get('/api/rules');
      render();
    } catch (err) {
      replace(
        overview,
        h('p', { class: 'notice error' }, `Could not load the rules: ${err.message}`),
      );
    }
  }

  async function loadStats() {
    const q = `?since=${encodeURIComponent(since)}`;
    [stats, unmatchedData] = await Promise.all([
      optional(`/api/rules/stats${q}`),
      optional(`/api/rules/unmatched${q}`),
    ]);
    render();
  }

  async function reload() {
    reloadButton.disabled = true;
    try {
      status = await api('POST', '/api/rules/reload');
      toast('Rules reloaded.');
    } catch (err) {
      // 422: the files are broken; the body still says what is loaded and what failed.
      if (err instanceof ApiError && err.status === 422) {
        toast('The files have errors: the last good rules stay in force.', 'error');
        status = await get('/api/rules');
      } else {
        toast(`Could not reload: ${err.message}`, 'error');
      }
    } finally {
      reloadButton.disabled = false;
      render();
    }
  }

  function render() {
    if (!status) return;
    replace(
      overview,
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Version'),
        h('dd', {}, status.version ? h('code', {}, status.version) : 'none loaded'),
        h('dt', {}, 'Loaded'),
        h('dd', {}, status.loadedAt ? timeEl(status.loadedAt, 'absolute') : '—'),
        h('dt', {}, 'Files'),
        h(
          'dd',
          {},
          status.files.length
            ? h(
                'ul',
                { class: 'plain files' },
                status.files.map((f) => h('li', {}, h('code', {}, f))),
              )
            : 'none',
        ),
        h('dt', {}, 'Templates'),
        h('dd', {}, String(status.templates.length)),
      ),
    );

    const parts = [];
    if (status.lastError) {
      parts.push(
        h(
          'div',
          { class: 'alert alert-error', role: 'alert', id: 'rules-load-error' },
          h('h2', {}, 'The rule files do not load'),
          h(
            'p',
            {},
            `Found at ${formatDateTime(status.lastError.at)}. `,
            status.version
              ? 'The last good set stays in force until the files are fixed.'
              : 'No rules are in force.',
          ),
          h(
            'ul',
            { class: 'load-errors' },
            status.lastError.errors.map((line) => {
              const [where, message] = splitLocation(line);
              return h(
                'li',
                {},
                where ? [h('code', { class: 'where' }, where), ' ', message] : message,
              );
            }),
          ),
        ),
      );
    }
    if (status.warnings.length) {
      parts.push(
        h(
          'div',
          { class: 'alert alert-warn' },
          h('h2', {}, 'Warnings'),
          h(
            'ul',
            { class: 'load-errors' },
            status.warnings.map((line) => {
              const [where, message] = splitLocation(line);
              return h(
                'li',
                {},
                where ? [h('code', { class: 'where' }, where), ' ', message] : message,
              );
            }),
          ),
        ),
      );
    }
    replace(errors, parts);

    const hits = stats.data ? statsByRule(stats.data) : null;
    const period = PERIODS.find(([v]) => v === since)[1];
    const gone = hits ? [...hits].filter(([, v]) => !v.loaded && v.hits > 0) : [];
    const noRule = stats.data && stats.data.noRule ? stats.data.noRule : null;
    replace(
      table,
      statsNote(stats, 'Hits per rule'),
      stats.data && typeof stats.data.messages === 'number'
        ? h(
            'p',
            { class: 'muted', id: 'rules-totals' },
            `${stats.data.messages} inbound message${stats.data.messages === 1 ? '' : 's'} in the ${period}`,
            noRule
              ? `; ${noRule.hits} answered by no rule (compliance keywords, opted-out contacts, nothing matched).`
              : '.',
            gone.length
              ? ` Rules not loaded now that answered then: ${gone.map(([id, v]) => `${id} (${v.hits})`).join(', ')}.`
              : '',
          )
        : null,
      dataTable({
        id: 'rules-table',
        caption: 'Loaded rules in the order they are tried',
        columns: ['#', 'Rule', 'Where', { label: `Hits (${period})`, class: 'num' }, 'Last hit'],
        rows: status.rules.map((r, i) => {
          const s = hits?.get(r.id);
          return h(
            'tr',
            { class: r.enabled ? null : 'disabled' },
            h('td', { class: 'num muted' }, String(i + 1)),
            h(
              'td',
              {},
              h('code', {}, r.id),
              r.enabled ? null : h('span', { class: 'muted' }, ' (disabled)'),
              r.description ? h('div', { class: 'muted small' }, r.description) : null,
            ),
            h('td', {}, h('code', { class: 'small' }, `${r.file}:${r.line}`)),
            h('td', { class: 'num' }, hits ? String(s?.hits ?? 0) : '—'),
            h('td', {}, s?.last ? timeEl(s.last) : '—'),
          );
        }),
      }),
    );

    const rows = unmatchedData.data ? unmatchedRows(unmatchedData.data) : [];
    replace(
      unmatched,
      statsNote(unmatchedData, 'Unmatched messages'),
      unmatchedData.data
        ? rows.length
          ? dataTable({
              id: 'unmatched-table',
              caption: 'Unmatched messages, grouped by text',
              columns: ['Message', { label: 'Count', class: 'num' }, 'Answered by', 'Last seen'],
              rows: rows.map((r) =>
                h(
                  'tr',
                  {},
                  h('td', {}, r.example ?? r.text),
                  h('td', { class: 'num' }, String(r.count)),
                  h(
                    'td',
                    {},
                    r.rule ? h('code', {}, r.rule) : h('span', { class: 'muted' }, 'no rule'),
                  ),
                  h('td', {}, r.last ? timeEl(r.last) : '—'),
                ),
              ),
            })
          : h('p', { class: 'muted' }, `None in the ${period}.`)
        : null,
    );
  }

  function statsNote(result, what) {
    if (result.missing) {
      return h(
        'p',
        { class: 'notice', 'data-unavailable': 'true' },
        `${what}: not available on this server.`,
      );
    }
    if (result.error) return h('p', { class: 'notice error' }, `${what}: ${result.error.message}`);
    return null;
  }

  loadStatus();
  loadStats();

  return { title: 'Rules', unmount() {} };
}
