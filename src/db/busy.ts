// Retries a write that the embedded database refused because SQLite was busy.
//
// Why: FerretDB v1 on SQLite answers concurrent writes that collide on SQLite's single write lock
// with "database is locked (SQLITE_BUSY)" instead of waiting. The write did not happen, so trying
// again is safe. MongoDB never raises this, so the wrapper costs nothing there.

const BUSY = /SQLITE_BUSY|database is locked/;

export function isBusyError(err: unknown): boolean {
  return BUSY.test((err as { message?: string } | null)?.message ?? '');
}

export async function retryBusy<T>(write: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (!isBusyError(err) || attempt >= attempts) throw err;
      // 5, 10, 20, … ms with jitter, so colliding writers spread out.
      await new Promise((r) =>
        setTimeout(r, Math.min(5 * 2 ** (attempt - 1), 200) * (0.5 + Math.random())),
      );
    }
  }
}
