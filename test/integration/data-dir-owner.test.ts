// One server per DATA_DIR: a second server is refused, a FerretDB left by a crashed server is
// stopped before a new one starts, and a clean stop leaves nothing behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import {
  DataDirInUseError,
  DataDirOwner,
  inspectProcess,
  isDatabaseOf,
  isRecordedProcess,
  parseOwnerRecord,
  PID_FILE,
  type OwnerRecord,
} from '../../src/db/dataDirOwner';
import { EmbeddedDatabase, ensureFerretdb } from '../../src/db/embedded';
import { tempDataDir } from '../support/config';
import { freshDatabaseUri } from '../support/db';
import {
  killAll,
  processesMentioning,
  serverPid,
  type ServerProcess,
  spawnServer,
} from '../support/process';

const ENV = { PORT: '0', ADMIN_USERS: 'ops:pw', SCHEDULER: 'off', WATCH_RULES: 'false' };
const inUse = (dataDir: string, pid: number) =>
  `DATA_DIR ${dataDir} is in use by another ReplyBot server (pid ${pid}); stop it or set DATA_DIR to another folder`;

/** FerretDB processes on a DATA_DIR, by their command lines (independently of the code tested). */
const ferretdbOn = (dataDir: string) =>
  processesMentioning(`--state-dir=${path.join(dataDir, 'ferretdb')}\0`);

const silent = { info: () => undefined, warn: () => undefined };

/** A process that is certainly not a ReplyBot server. */
function startSleep(): ChildProcess {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  sleeps.push(child);
  return child;
}
const sleeps: ChildProcess[] = [];
afterAll(() => sleeps.forEach((child) => child.kill('SIGKILL')));

function recordOf(pid: number, like: { processStart: string | null; command: string[] | null }) {
  return { pid, processStart: like.processStart, command: like.command };
}

describe('the pid file', () => {
  const valid: OwnerRecord = {
    pid: 1234,
    processStart: 'b0a7-1d/987654',
    command: ['node', '/srv/replybot/dist/src/main.js'],
    startedAt: '2024-05-01T12:00:00.000Z',
    database: { pid: 1240, command: ['/srv/replybot/.tools/ferretdb', '--handler=sqlite'] },
  };

  it.each([
    ['a complete record', JSON.stringify(valid), valid],
    [
      'a record before the database started',
      JSON.stringify({ ...valid, database: null }),
      { ...valid, database: null },
    ],
    [
      'a record written where start times are unknown',
      JSON.stringify({ ...valid, processStart: null, command: null }),
      { ...valid, processStart: null, command: null },
    ],
    ['an empty file', '', null],
    ['a file cut off while written', JSON.stringify(valid).slice(0, 40), null],
    ['a bare pid (another format)', '1234\n', null],
    ['a pid that is not a positive integer', JSON.stringify({ ...valid, pid: 0 }), null],
    ['a pid given as text', JSON.stringify({ ...valid, pid: '1234' }), null],
    [
      'a database without its command line',
      JSON.stringify({ ...valid, database: { pid: 1240 } }),
      null,
    ],
  ])('parses %s', (_case, text, expected) => {
    expect(parseOwnerRecord(text)).toEqual(expected);
  });
});

describe('is the recorded process really the server that wrote the pid file', () => {
  const self = inspectProcess(process.pid)!;

  it('yes for this very process, by its start time and command line', () => {
    expect(self.processStart).toMatch(/\/\d+$/);
    expect(isRecordedProcess(recordOf(process.pid, self))).toBe(true);
  });

  it('no for a live pid that is now another program (a sleep): a reused pid', () => {
    const sleep = startSleep();
    expect(inspectProcess(sleep.pid!)).not.toBeNull(); // alive
    expect(isRecordedProcess(recordOf(sleep.pid!, self))).toBe(false);
  });

  it("no for a live pid that is another node process (the test process's parent)", () => {
    expect(inspectProcess(process.ppid)).not.toBeNull(); // alive
    expect(isRecordedProcess(recordOf(process.ppid, self))).toBe(false);
  });

  it('no for a live pid with the recorded command line but another start time (a restart)', () => {
    expect(
      isRecordedProcess(recordOf(process.pid, { ...self, processStart: 'other-boot/1' })),
    ).toBe(false);
  });

  it('no for a process that has exited', async () => {
    const gone = spawn('true');
    await new Promise((r) => gone.once('exit', r));
    expect(isRecordedProcess(recordOf(gone.pid!, self))).toBe(false);
  });
});

describe('recognising the database of a DATA_DIR by its command line', () => {
  const binary = '/srv/replybot/.tools/ferretdb-v1.24.2-aa37a2272082';
  const dir = '/srv/data/ferretdb';
  it.each([
    [
      'is',
      'our FerretDB on the folder',
      [binary, '--handler=sqlite', `--sqlite-url=file:${dir}/`, `--state-dir=${dir}`],
      true,
    ],
    [
      'is',
      'FerretDB naming the folder by its SQLite URL only',
      ['ferretdb', `--sqlite-url=file:${dir}/`],
      true,
    ],
    [
      'is not',
      'FerretDB on a folder whose name starts the same',
      [binary, `--state-dir=${dir}-old`, `--sqlite-url=file:${dir}-old/`],
      false,
    ],
    ['is not', 'FerretDB on the parent folder', [binary, '--state-dir=/srv/data'], false],
    ['is not', 'another program naming the folder', ['sleep', `--state-dir=${dir}`], false],
    ['is not', 'an empty command line (a kernel thread)', [], false],
  ])('%s %s', (_is, _case, command, expected) => {
    expect(isDatabaseOf(command, dir)).toBe(expected);
  });
});

describe('taking a DATA_DIR', () => {
  const pidFile = (dataDir: string) => path.join(dataDir, PID_FILE);
  const self = inspectProcess(process.pid)!;

  it('writes a pid file naming this process, and release() removes it', async () => {
    const dataDir = tempDataDir('owner');
    const owner = await DataDirOwner.acquire({
      dataDir,
      databaseDir: path.join(dataDir, 'ferretdb'),
      logger: silent,
    });
    expect(parseOwnerRecord(readFileSync(pidFile(dataDir), 'utf8'))).toMatchObject({
      ...recordOf(process.pid, self),
      database: null,
    });
    owner.recordDatabase({ pid: 4321, command: ['ferretdb', '--state-dir=x'] });
    expect(parseOwnerRecord(readFileSync(pidFile(dataDir), 'utf8'))?.database).toEqual({
      pid: 4321,
      command: ['ferretdb', '--state-dir=x'],
    });
    owner.release();
    expect(existsSync(pidFile(dataDir))).toBe(false);
  });

  it('refuses a folder this process already holds, naming the holder', async () => {
    const dataDir = tempDataDir('owner');
    const options = { dataDir, databaseDir: path.join(dataDir, 'ferretdb'), logger: silent };
    const owner = await DataDirOwner.acquire(options);
    const refused = await DataDirOwner.acquire(options).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(DataDirInUseError);
    expect((refused as DataDirInUseError).message).toBe(inUse(dataDir, process.pid));
    expect((refused as DataDirInUseError).code).toBe('data_dir_in_use');
    owner.release();
  });

  it.each([
    [
      'names a live sleep (the pid was reused)',
      () =>
        JSON.stringify({ ...recordOf(startSleep().pid!, self), startedAt: 'x', database: null }),
    ],
    ['is empty', () => ''],
    ['is not a record', () => 'garbage'],
  ])('takes over a stale pid file that %s', async (_case, content) => {
    const dataDir = tempDataDir('owner');
    writeFileSync(pidFile(dataDir), content());
    const owner = await DataDirOwner.acquire({
      dataDir,
      databaseDir: path.join(dataDir, 'ferretdb'),
      logger: silent,
    });
    expect(parseOwnerRecord(readFileSync(pidFile(dataDir), 'utf8'))?.pid).toBe(process.pid);
    owner.release();
  });

  it('stops a FerretDB running on the folder even without a pid file', async () => {
    const dataDir = tempDataDir('owner');
    const databaseDir = path.join(dataDir, 'ferretdb');
    const leftover = await EmbeddedDatabase.start({
      binary: await ensureFerretdb(silent),
      dir: databaseDir,
      logger: silent,
    });
    const leftoverPid = leftover.processInfo!.pid;
    expect(ferretdbOn(dataDir)).toEqual([leftoverPid]);
    const warnings: unknown[] = [];
    const logger = {
      info: () => undefined,
      warn: (m: string, meta?: object) => warnings.push({ m, ...meta }),
    };

    const owner = await DataDirOwner.acquire({ dataDir, databaseDir, logger });

    expect(ferretdbOn(dataDir)).toEqual([]);
    expect(warnings).toContainEqual({
      m: 'stopping a database process left by an earlier server',
      pid: leftoverPid,
      databaseDir,
    });
    owner.release();
    await leftover.stop();
  });
});

describe('servers on one DATA_DIR (real processes)', () => {
  const running: ServerProcess[] = [];
  const dataDirs: string[] = [];
  const start = (dataDir: string, env: Record<string, string> = {}) => {
    const proc = spawnServer({ ...ENV, DATA_DIR: dataDir, ...env });
    running.push(proc);
    return proc;
  };
  const newDataDir = () => {
    const dir = tempDataDir('owner');
    dataDirs.push(dir);
    return dir;
  };
  // Whatever a failed test left: its servers (tsx and the server under it) and FerretDB processes.
  afterEach(async () => {
    await killAll(running);
    for (const dir of dataDirs.splice(0))
      for (const pid of ferretdbOn(dir)) process.kill(pid, 'SIGKILL');
  });

  it("a second server on the same DATA_DIR exits 1 naming the folder and the first server's pid; the first keeps serving", async () => {
    const dataDir = newDataDir();
    const first = start(dataDir);
    const port = await first.listening;
    const firstPid = await serverPid(first);

    const second = start(dataDir);
    const { code } = await second.exited;

    expect(code).toBe(1);
    expect(second.output().trim().split('\n')).toEqual([`replybot: ${inUse(dataDir, firstPid)}`]);
    expect(ferretdbOn(dataDir)).toHaveLength(1); // it did not start a second database
    const health = await request(`http://127.0.0.1:${port}`).get('/health').expect(200);
    expect(health.body).toMatchObject({ status: 'ok', db: 'up' });
    expect(first.child.exitCode).toBeNull();
  }, 90_000);

  it('after the server is killed (SIGKILL) a new one stops the FerretDB it left behind and has the data written before', async () => {
    const dataDir = newDataDir();
    const first = start(dataDir);
    const port = await first.listening;
    const firstPid = await serverPid(first);
    const sent = await request(`http://127.0.0.1:${port}`)
      .post('/api/messages')
      .auth('ops', 'pw')
      .send({ to: '+14155550101', body: 'written before the crash' })
      .expect(202);
    const [orphan] = ferretdbOn(dataDir);
    expect(ferretdbOn(dataDir)).toEqual([orphan]);
    expect(JSON.parse(readFileSync(path.join(dataDir, PID_FILE), 'utf8'))).toMatchObject({
      pid: firstPid,
      database: { pid: orphan, command: expect.arrayContaining(['--handler=sqlite']) },
    });

    process.kill(firstPid, 'SIGKILL');
    await first.exited;
    expect(ferretdbOn(dataDir)).toEqual([orphan]); // it outlived its server

    const second = start(dataDir);
    const secondPort = await second.listening;

    const now = ferretdbOn(dataDir);
    expect(now).toHaveLength(1);
    expect(now).not.toContain(orphan);
    expect(second.output()).toMatch(
      new RegExp(
        `"message":"stopping a database process left by an earlier server".*"pid":${orphan}\\b`,
      ),
    );
    const stored = await request(`http://127.0.0.1:${secondPort}`)
      .get(`/api/messages/${sent.body.id}`)
      .auth('ops', 'pw')
      .expect(200);
    expect(stored.body).toMatchObject({
      body: 'written before the crash',
      contact: '+14155550101',
    });
  }, 120_000);

  it('after a clean stop (SIGTERM) no FerretDB is left on the folder and there is no pid file', async () => {
    const dataDir = newDataDir();
    const proc = start(dataDir);
    await proc.listening;
    expect(ferretdbOn(dataDir)).toHaveLength(1);
    expect(existsSync(path.join(dataDir, PID_FILE))).toBe(true);

    process.kill(await serverPid(proc), 'SIGTERM');
    expect((await proc.exited).code).toBe(0);

    expect(ferretdbOn(dataDir)).toEqual([]);
    expect(existsSync(path.join(dataDir, PID_FILE))).toBe(false);
  }, 90_000);

  it('of two servers started at once on a folder with a stale pid file, exactly one runs (with MONGODB_URI too)', async () => {
    const dataDir = newDataDir();
    const stale = {
      pid: startSleep().pid!,
      processStart: 'x/1',
      command: null,
      startedAt: 'x',
      database: null,
    };
    writeFileSync(path.join(dataDir, PID_FILE), JSON.stringify(stale));
    const both = [0, 1].map(() => start(dataDir, { MONGODB_URI: freshDatabaseUri('owner') }));

    // One listens; the other exits 1 naming it.
    const winner = await Promise.any(both.map((proc) => proc.listening.then(() => proc)));
    const loser = both.find((proc) => proc !== winner)!;
    expect((await loser.exited).code).toBe(1);
    expect(loser.output().trim()).toBe(`replybot: ${inUse(dataDir, await serverPid(winner))}`);
    expect(winner.child.exitCode).toBeNull();

    process.kill(await serverPid(winner), 'SIGTERM');
    expect((await winner.exited).code).toBe(0);
    expect(existsSync(path.join(dataDir, PID_FILE))).toBe(false);
  }, 90_000);
});
