// The live event stream (/console/events): one EventSource for the page, shared by the views.
// EventSource reconnects by itself; every (re)connection tells the views to reload what they show,
// so a message stored while the stream was down is not missed. A tab left in the background lets
// go of its stream after a while: browsers allow only 6 connections per server over HTTP/1.1, and
// a few forgotten console tabs holding one each would stall every other tab's requests.

const listeners = new Set();
let source = null;
let retryTimer = null;
let hiddenTimer = null;
const HIDDEN_GRACE_MS = 60_000;

function setIndicator(state) {
  const el = document.getElementById('live');
  if (!el) return;
  el.dataset.state = state;
  const text = el.querySelector('.live-text');
  const labels = {
    open: 'Live',
    connecting: 'Connecting…',
    down: 'Reconnecting…',
    paused: 'Paused (tab in background)',
  };
  if (text) text.textContent = labels[state] ?? state;
  el.title =
    state === 'open'
      ? 'New messages appear as they arrive'
      : 'Live updates are paused; the console reconnects by itself';
}

function emit(type, data) {
  for (const listener of listeners) {
    try {
      listener(type, data);
    } catch (err) {
      console.error(err);
    }
  }
}

function stopLive() {
  source?.close();
  source = null;
  setIndicator('paused');
}

document.addEventListener('visibilitychange', () => {
  clearTimeout(hiddenTimer);
  if (document.hidden) hiddenTimer = setTimeout(stopLive, HIDDEN_GRACE_MS);
  else startLive();
});

export function startLive() {
  clearTimeout(retryTimer);
  if (source) return;
  source = new EventSource('/console/events');
  setIndicator('connecting');
  source.addEventListener('open', () => {
    setIndicator('open');
    emit('reconnected', null);
  });
  source.addEventListener('error', () => {
    // CONNECTING: the browser retries by itself. CLOSED (e.g. a 401): start again a little later.
    setIndicator('down');
    if (source && source.readyState === EventSource.CLOSED) {
      source = null;
      retryTimer = setTimeout(startLive, 5000);
    }
  });
  source.addEventListener('inbound', (e) => {
    let data = null;
    try {
      data = JSON.parse(e.data);
    } catch {
      return;
    }
    emit('inbound', data);
  });
}

/** listener(type, data): type 'inbound' ({contact, number, at, kind, rule}) or 'reconnected'. */
export function onLive(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
