// The development admin password: generated once, kept in DATA_DIR, the same at every start.
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const FILE_NAME = 'admin-password';

/** Where the development admin password is kept. */
export function adminPasswordFile(dataDir: string): string {
  return path.join(dataDir, FILE_NAME);
}

/** The kept password, or null when there is no file yet. */
function readKept(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const password = text.trim();
  if (password === '') throw new Error(`${file} is empty: delete it for a new admin password`);
  return password;
}

/**
 * The password kept in `DATA_DIR/admin-password`, created (mode 600) with a random one when
 * there is none. Two servers starting at once agree: the password is written whole to a file of
 * this process's own, then linked into place, which fails if the file exists; the loser reads the
 * winner's. No one ever reads a half-written file.
 */
export function keptAdminPassword(
  dataDir: string,
  random: () => string = () => randomBytes(12).toString('base64url'),
): string {
  const file = adminPasswordFile(dataDir);
  const kept = readKept(file);
  if (kept !== null) return kept;
  mkdirSync(dataDir, { recursive: true });
  const password = random();
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, `${password}\n`, { flag: 'wx', mode: 0o600 });
  try {
    linkSync(draft, file);
    return password;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const winner = readKept(file);
    if (winner === null) throw new Error(`${file} appeared and went away: start again`);
    return winner;
  } finally {
    rmSync(draft, { force: true });
  }
}
