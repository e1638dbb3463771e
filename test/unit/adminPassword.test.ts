import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { adminPasswordFile, keptAdminPassword } from '../../src/adminPassword';
import { tempDataDir } from '../support/config';

const tempDir = () => tempDataDir('admin-password');

describe('the development admin password', () => {
  it('is generated once into DATA_DIR/admin-password, readable by its owner only', () => {
    const dataDir = tempDir();
    const password = keptAdminPassword(dataDir, () => 'first-pw');
    expect(password).toBe('first-pw');
    const file = adminPasswordFile(dataDir);
    expect(file).toBe(path.join(dataDir, 'admin-password'));
    expect(readFileSync(file, 'utf8')).toBe('first-pw\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dataDir)).toEqual(['admin-password']); // no draft left behind
  });

  it('is the same at the next start', () => {
    const dataDir = tempDir();
    keptAdminPassword(dataDir, () => 'first-pw');
    expect(keptAdminPassword(dataDir, () => 'second-pw')).toBe('first-pw');
  });

  it('creates DATA_DIR when it does not exist yet', () => {
    const dataDir = path.join(tempDir(), 'not', 'yet');
    expect(keptAdminPassword(dataDir, () => 'first-pw')).toBe('first-pw');
    expect(readFileSync(adminPasswordFile(dataDir), 'utf8')).toBe('first-pw\n');
  });

  it('keeps a password written into the file by hand (surrounding blanks ignored)', () => {
    const dataDir = tempDir();
    writeFileSync(adminPasswordFile(dataDir), '  chosen-by-me \n');
    expect(keptAdminPassword(dataDir, () => 'generated')).toBe('chosen-by-me');
  });

  it('refuses an empty file, naming it', () => {
    const dataDir = tempDir();
    writeFileSync(adminPasswordFile(dataDir), '\n');
    expect(() => keptAdminPassword(dataDir)).toThrow(
      `${adminPasswordFile(dataDir)} is empty: delete it for a new admin password`,
    );
  });

  it('when another server creates the file first, takes that one', () => {
    const dataDir = tempDir();
    // The other server links its file into place between this one's read and its own link.
    const password = keptAdminPassword(dataDir, () => {
      writeFileSync(adminPasswordFile(dataDir), 'the-other-servers-pw\n', { mode: 0o600 });
      return 'mine';
    });
    expect(password).toBe('the-other-servers-pw');
    expect(readdirSync(dataDir)).toEqual(['admin-password']);
  });
});
