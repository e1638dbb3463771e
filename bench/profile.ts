// Where the webhook's time goes: runs the real server under `node --cpu-prof` with load, prints the
// hottest functions by self time, and the database process's CPU share.
// Run: npx tsx bench/profile.ts
import { readdirSync, readFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchDatabase } from './support/environment';
import { load, startRealServer } from './webhook.bench';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime + stime, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function ferretPid(): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('replybot-bench-db-'))
        return Number(entry);
    } catch {
      // gone
    }
  }
  return null;
}

async function main(): Promise<void> {
  const db = await benchDatabase();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'replybot-prof-'));
  const server = await startRealServer(db.uri(`bench_profile_${Date.now()}`), [
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
  ]);
  await load(server.port, { durationS: 2 });
  const fPid = ferretPid();
  const before = { node: cpuSeconds(server.pid), db: fPid ? cpuSeconds(fPid) : 0, at: Date.now() };
  const result = await load(server.port, { durationS: 10 });
  const wall = (Date.now() - before.at) / 1000;
  const nodeCpu = cpuSeconds(server.pid) - before.node;
  const dbCpu = fPid ? cpuSeconds(fPid) - before.db : NaN;
  await server.stop();
  await db.stop();

  console.log(`${result.requestsPerSec.toFixed(0)} req/s over ${wall.toFixed(1)} s`);
  console.log(
    `CPU per request: server (node) ${((nodeCpu / result.total) * 1000).toFixed(2)} ms, database (ferretdb) ${((dbCpu / result.total) * 1000).toFixed(2)} ms`,
  );
  console.log(
    `CPU use: server ${((nodeCpu / wall) * 100).toFixed(0)}% of a core, database ${((dbCpu / wall) * 100).toFixed(0)}% of a core`,
  );

  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return;
  const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  for (const id of profile.samples) {
    const n = byId.get(id)!;
    const where = n.callFrame.url
      .replace(/^.*node_modules\//, '')
      .replace(/^file:\/\/.*\/src\//, 'src/');
    const key = `${n.callFrame.functionName || '(anonymous)'} ${where}:${n.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  const total = profile.samples.length;
  console.log('server self time, top 12 (% of samples):');
  for (const [key, count] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    console.log(`  ${((count / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
