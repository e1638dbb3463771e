// The admin API from the browser: JSON in and out, errors as ApiError with the API's code and field details.

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    /** For 400s: [{field, message}] (src/http/validate.ts). */
    this.details = details;
  }

  /** The problems of one field ('to' also collects 'to.0'…), or of the whole request ('(root)'). */
  forField(field) {
    if (!Array.isArray(this.details)) return [];
    return this.details
      .filter((d) => d.field === field || String(d.field).startsWith(`${field}.`))
      .map((d) => d.message);
  }
}

/**
 * Calls the admin API. The browser sends the console's Basic Auth credentials itself (same origin,
 * same realm). Resolves with the parsed JSON body; rejects with ApiError (status 0: no answer).
 */
export async function api(method, path, body, headers = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network_error', 'The server did not answer; check the connection.');
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const e = data && data.error ? data.error : {};
    throw new ApiError(
      res.status,
      e.code ?? `http_${res.status}`,
      e.message ?? `${method} ${path} answered ${res.status}`,
      e.details,
    );
  }
  return data;
}

export const get = (path) => api('GET', path);

/** "/api/threads/%2B14155550123?number=…" */
export function threadPath(contact, number, suffix = '') {
  const q = number ? `?number=${encodeURIComponent(number)}` : '';
  return `/api/threads/${encodeURIComponent(contact)}${suffix}${q}`;
}

/** A random key for Idempotency-Key (crypto.randomUUID needs a secure context; this does not). */
export function randomKey(prefix = 'console') {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
