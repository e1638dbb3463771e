// The console's entry point: hash routes (#/inbox, #/inbox/<number>, #/simulator, #/rules,
// #/schedules) to views, and the live event stream.
import { inboxView } from './inbox.js';
import { startLive } from './live.js';
import { rulesView } from './rules.js';
import { schedulesView } from './schedules.js';
import { simulatorView } from './simulator.js';

const VIEWS = {
  inbox: inboxView,
  simulator: simulatorView,
  rules: rulesView,
  schedules: schedulesView,
};

let current = null;

export function parseRoute(hash) {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const pathPart = q < 0 ? raw : raw.slice(0, q);
  const segments = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  const name = VIEWS[segments[0]] ? segments[0] : 'inbox';
  return {
    name,
    args: segments.slice(1),
    query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)),
  };
}

function route() {
  const r = parseRoute(location.hash);
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === r.name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (current && current.name === r.name && current.view.update) {
    current.view.update(r);
    return;
  }
  const main = document.getElementById('main');
  const firstView = current === null;
  current?.view.unmount?.();
  main.replaceChildren();
  const view = VIEWS[r.name](main, r);
  current = { name: r.name, view };
  document.title = `${view.title} · ReplyBot console`;
  // Keyboard and screen-reader users land on the new view's heading, not at the old link.
  if (!firstView) main.querySelector('h1')?.focus({ preventScroll: false });
}

window.addEventListener('hashchange', route);
startLive();
route();
