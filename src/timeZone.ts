// IANA time zones: the one check that a zone name is usable. Every local time here is computed
// with Intl.DateTimeFormat, so a zone is valid exactly when Intl accepts it (it throws a
// RangeError otherwise); the answer is kept, since building a formatter is slow.

const known = new Map<string, boolean>();

/** True when `zone` is an IANA time zone Intl knows, such as Europe/Berlin or UTC. */
export function isValidTimeZone(zone: string): boolean {
  let valid = known.get(zone);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      valid = true;
    } catch {
      valid = false;
    }
    if (known.size >= 1000) known.clear(); // zone names come from users: keep the map bounded
    known.set(zone, valid);
  }
  return valid;
}
