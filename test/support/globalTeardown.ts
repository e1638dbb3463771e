import { rmSync } from 'node:fs';
import type { EmbeddedDatabase } from '../../src/db/embedded';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as { __replybotTestDb?: { db: EmbeddedDatabase; dir: string } })
    .__replybotTestDb;
  if (!state) return;
  await state.db.stop();
  rmSync(state.dir, { recursive: true, force: true });
}
