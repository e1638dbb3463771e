// The inbox: threads newest first, paged, searched by number or tag; the selected thread beside it.
import { ApiError, get, threadPath } from './api.js';
import { badge, h, pagerControls, replace, srOnly, tagList, timeEl, viewSection } from './dom.js';
import { onLive } from './live.js';
import { threadPane } from './thread.js';

const E164 = /^\+[1-9]\d{6,14}$/;

/** "+1 (415) 555-0123", "0014155550123", "14155550123" → "+14155550123"; null if it cannot be one. */
export function normalizePhone(input) {
  let s = String(input)
    .trim()
    .replace(/[\s().-]/g, '');
  if (s.startsWith('00')) s = `+${s.slice(2)}`;
  if (!s.startsWith('+')) s = `+${s}`;
  return E164.test(s) ? s : null;
}

export function threadHref(contact, number) {
  const q = number ? `?number=${encodeURIComponent(number)}` : '';
  return `#/inbox/${encodeURIComponent(contact)}${q}`;
}

export function inboxView(root, route) {
  const filters = { page: 1, limit: 20, number: '', tag: '', optedOut: false };
  /** Contacts with a message that arrived while the page was open and not yet looked at. */
  const fresh = new Set();
  let lastPage = null;
  let selected = null;
  let pane = null;
  let loadSeq = 0;
  let reloadTimer = null;

  const numberInput = h('input', {
    id: 'inbox-number',
    name: 'number',
    type: 'search',
    inputmode: 'tel',
    autocomplete: 'off',
    placeholder: '+14155550123',
  });
  const tagInput = h('input', {
    id: 'inbox-tag',
    name: 'tag',
    type: 'search',
    autocomplete: 'off',
    placeholder: 'vip',
  });
  const optedOutBox = h('input', { id: 'inbox-opted-out', name: 'optedOut', type: 'checkbox' });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Search threads', onsubmit: search },
    h('div', { class: 'field' }, h('label', { for: 'inbox-number' }, 'Number'), numberInput),
    h('div', { class: 'field' }, h('label', { for: 'inbox-tag' }, 'Tag'), tagInput),
    h(
      'div',
      { class: 'field field-check' },
      optedOutBox,
      h('label', { for: 'inbox-opted-out' }, 'Opted out only'),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit' }, 'Search'),
      h('button', { type: 'button', class: 'secondary', onclick: clearSearch }, 'Clear'),
    ),
  );
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' });
  const list = h('ul', { class: 'thread-list', 'aria-label': 'Threads, newest first' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Inbox pages' });
  const listPane = viewSection(
    { class: 'pane list-pane', titleId: 'inbox-title', title: 'Inbox' },
    form,
    summary,
    list,
    pager,
  );
  const threadSection = h('section', { class: 'pane thread-pane', 'aria-label': 'Conversation' });
  const layout = h('div', { class: 'inbox' }, listPane, threadSection);
  root.append(layout);

  function search(event) {
    event.preventDefault();
    filters.number = numberInput.value.trim();
    filters.tag = tagInput.value.trim();
    filters.optedOut = optedOutBox.checked;
    filters.page = 1;
    loadList();
  }

  function clearSearch() {
    numberInput.value = '';
    tagInput.value = '';
    optedOutBox.checked = false;
    filters.number = '';
    filters.tag = '';
    filters.optedOut = false;
    filters.page = 1;
    loadList();
  }

  async function fetchPage() {
    if (filters.number) {
      const phone = normalizePhone(filters.number);
      if (!phone) {
        return { error: 'Enter a whole number with its country code, such as +14155550123.' };
      }
      try {
        const t = await get(threadPath(phone));
        const keep =
          (!filters.tag || t.tags.includes(filters.tag)) && (!filters.optedOut || t.optedOut);
        const items = keep ? [t] : [];
        return { items, page: 1, limit: filters.limit, total: items.length };
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) {
          return { items: [], page: 1, limit: filters.limit, total: 0 };
        }
        throw err;
      }
    }
    const q = new URLSearchParams({ page: String(filters.page), limit: String(filters.limit) });
    if (filters.tag) q.set('tag', filters.tag);
    if (filters.optedOut) q.set('optedOut', 'true');
    return get(`/api/threads?${q}`);
  }

  async function loadList() {
    const seq = ++loadSeq;
    list.setAttribute('aria-busy', 'true');
    try {
      const page = await fetchPage();
      if (seq !== loadSeq) return;
      if (page.error) {
        lastPage = null;
        replace(list);
        replace(pager);
        summary.className = 'summary error';
        summary.textContent = page.error;
        return;
      }
      lastPage = page;
      renderList();
    } catch (err) {
      if (seq !== loadSeq) return;
      summary.className = 'summary error';
      summary.textContent = `Could not load threads: ${err.message}`;
    } finally {
      if (seq === loadSeq) list.removeAttribute('aria-busy');
    }
  }

  function describeFilters() {
    const parts = [];
    if (filters.number) parts.push(`number ${normalizePhone(filters.number)}`);
    if (filters.tag) parts.push(`tag “${filters.tag}”`);
    if (filters.optedOut) parts.push('opted out');
    return parts.length ? ` matching ${parts.join(', ')}` : '';
  }

  function renderList() {
    const page = lastPage;
    if (!page) return;
    summary.className = 'summary';
    if (page.total === 0) {
      summary.textContent = `No threads${describeFilters()}.`;
    } else {
      const first = (page.page - 1) * page.limit + 1;
      const last = first + page.items.length - 1;
      summary.textContent = `${first}–${last} of ${page.total} thread${page.total === 1 ? '' : 's'}${describeFilters()}`;
    }
    replace(list, page.items.map(threadRow));
    replace(
      pager,
      pagerControls(page, (n) => {
        filters.page = n;
        loadList();
      }),
    );
  }

  function threadRow(t) {
    const isSelected =
      selected &&
      selected.contact === t.contact &&
      (!selected.number || selected.number === t.number);
    const isFresh = fresh.has(t.contact) && !isSelected;
    return h(
      'li',
      {},
      h(
        'a',
        {
          class: `thread-row${isFresh ? ' fresh' : ''}`,
          href: threadHref(t.contact, t.number),
          'aria-current': isSelected ? 'true' : null,
          'data-contact': t.contact,
        },
        h(
          'span',
          { class: 'row-main' },
          h('strong', { class: 'contact' }, t.contact),
          isFresh ? h('span', { class: 'fresh-dot' }, srOnly('new message')) : null,
          t.optedOut ? badge('Opted out', 'danger') : null,
          t.state ? badge(`state: ${t.state}`, 'info') : null,
          h('span', { class: 'row-time' }, timeEl(t.lastMessageAt)),
        ),
        h(
          'span',
          { class: 'row-sub' },
          h(
            'span',
            { class: 'muted' },
            `${t.messageCount} message${t.messageCount === 1 ? '' : 's'} · to ${t.number}`,
          ),
          t.tags.length ? tagList(t.tags) : null,
        ),
      ),
    );
  }

  function select(r) {
    const contact = r.args[0] ?? null;
    const number = r.query.get('number') || null;
    const same = selected && selected.contact === contact && selected.number === number;
    if (same) return;
    pane?.unmount();
    pane = null;
    selected = contact ? { contact, number } : null;
    layout.classList.toggle('has-thread', Boolean(selected));
    if (selected) {
      fresh.delete(contact);
      pane = threadPane(threadSection, selected, { onChange: () => scheduleReload(0) });
    } else {
      replace(
        threadSection,
        h(
          'div',
          { class: 'empty-thread' },
          h('p', {}, 'Choose a thread to read the conversation and reply.'),
          h(
            'p',
            { class: 'muted' },
            'New messages appear here as texters send them; no need to reload.',
          ),
        ),
      );
    }
    renderList();
  }

  function scheduleReload(ms = 150) {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(loadList, ms);
  }

  const stopLive = onLive((type, data) => {
    if (type === 'inbound') {
      const open = selected && selected.contact === data.contact;
      if (!open) fresh.add(data.contact);
      else pane?.refresh();
      scheduleReload();
    } else if (type === 'reconnected') {
      scheduleReload(0);
      pane?.refresh();
    }
  });

  select(route);
  loadList();

  return {
    title: 'Inbox',
    update(r) {
      select(r);
    },
    unmount() {
      stopLive();
      clearTimeout(reloadTimer);
      pane?.unmount();
    },
  };
}
