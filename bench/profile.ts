// Where the webhook's time goes: runs the minimal persisting webhook (the baseline) and ReplyBot
// under `node --cpu-prof` with the same load, then prints, side by side, the CPU each spends per
// request: the server and the database process in all (/proc), and the server's by area (our code,
// each library, Node itself, garbage collection), then ReplyBot's hottest functions.
// The webhook benchmark runs it when a target is missed. Run alone: npx tsx bench/profile.ts
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchDatabase, type BenchDatabase, type ChildServer } from './support/environment';
import { load, loadRow, type LoadResult } from './support/load';
import { startMinimalWebhook, startReplyBot } from './support/servers';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  /** µs between samples; the first is from the start of profiling. */
  timeDeltas: number[];
}

/** What a sample's function belongs to: a library, a folder of src/, Node, or V8's own work. */
function area(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native: sockets, crypto…)';
  const lib = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (lib) return lib[1];
  const ours = /\/src\/([^/]+)/.exec(url);
  if (ours) return `src/${ours[1].replace(/\.js$/, '')}`;
  if (url.startsWith('node:')) return 'node (core)';
  return path.basename(url);
}

const frame = (n: ProfileNode) =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '')}:${n.callFrame.lineNumber + 1}`;

interface Shares {
  areas: Map<string, number>;
  functions: Map<string, number>;
}

/**
 * Shares of the busy samples taken between `fromMs` and `toMs` after profiling began (the measured
 * load, without start-up and warm-up), by area and by function (self time).
 */
function shares(file: string, fromMs: number, toMs: number): Shares {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts: Shares = { areas: new Map(), functions: new Map() };
  const add = (m: Map<string, number>, key: string) => m.set(key, (m.get(key) ?? 0) + 1);
  let busy = 0;
  let atUs = 0;
  profile.samples.forEach((id, i) => {
    atUs += profile.timeDeltas[i] ?? 0;
    const n = byId.get(id)!;
    if (atUs < fromMs * 1000 || atUs > toMs * 1000 || n.callFrame.functionName === '(idle)') return;
    busy++;
    add(counts.areas, area(n));
    add(counts.functions, frame(n));
  });
  for (const m of [counts.areas, counts.functions]) for (const [k, v] of m) m.set(k, v / busy);
  return counts;
}

interface Profiled {
  result: LoadResult;
  shares: Shares | null;
}

/** Warm-up as the webhook benchmark does, then `durationS` of measured load under --cpu-prof. */
async function profiled(
  start: (nodeArgs: string[]) => Promise<ChildServer>,
  db: BenchDatabase,
  contacts: number,
  durationS: number,
): Promise<Profiled> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'replybot-prof-'));
  try {
    const server = await start(['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    let result: LoadResult;
    let window: [number, number];
    try {
      await load(server.port, { amount: 2 * contacts, contacts });
      const from = Date.now() - server.startedAt;
      result = await load(server.port, {
        durationS,
        contacts,
        measure: { server: server.pid, database: db.pid },
      });
      window = [from, Date.now() - server.startedAt];
    } finally {
      await server.stop(); // the profile is written as the process exits
    }
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    return { result, shares: file ? shares(path.join(dir, file), ...window) : null };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Profiles (b) and (c) of the webhook benchmark on `db`; returns the lines to print. */
export async function profileWebhook(
  db: BenchDatabase,
  options: { durationS?: number; contacts?: number; top?: number } = {},
): Promise<string[]> {
  const { durationS = 10, contacts = 200, top = 14 } = options;
  const stamp = Date.now().toString(36);
  const minimal = await profiled(
    (args) => startMinimalWebhook(db.uri(`bench_prof_min_${stamp}`), args),
    db,
    contacts,
    durationS,
  );
  const replybot = await profiled(
    (args) => startReplyBot(db.uri(`bench_prof_rb_${stamp}`), {}, args),
    db,
    contacts,
    durationS,
  );
  const lines = [
    loadRow('(b) minimal webhook under --cpu-prof', minimal.result),
    loadRow('(c) ReplyBot under --cpu-prof', replybot.result),
  ];
  if (!minimal.shares || !replybot.shares) return lines;
  // Server CPU ms per request in each area: its share of the samples times the measured total.
  const msIn = (p: Profiled, key: string) =>
    (p.shares!.areas.get(key) ?? 0) * (p.result.cpuMsPerRequest.server ?? NaN);
  const byGap = [...new Set([...minimal.shares.areas.keys(), ...replybot.shares.areas.keys()])]
    .map((key): [string, number, number] => [key, msIn(minimal, key), msIn(replybot, key)])
    .sort((x, y) => y[2] - y[1] - (x[2] - x[1]));
  const ms = (n: number) => n.toFixed(2).padStart(8);
  const row = (key: string, b: number, c: number) => `  ${key.padEnd(30)} ${ms(b)} ${ms(c)}`;
  const sum = (rows: [string, number, number][], k: 1 | 2) => rows.reduce((t, r) => t + r[k], 0);
  const shown = byGap.slice(0, top);
  const ours = byGap.filter(([key]) => key.startsWith('src/'));
  lines.push(
    `server CPU ms per request by area (self time), largest difference first:`,
    `  ${'area'.padEnd(30)} ${'(b)'.padStart(8)} ${'(c)'.padStart(8)}`,
    ...shown.map(([key, b, c]) => row(key, b, c)),
    row('all other areas', sum(byGap, 1) - sum(shown, 1), sum(byGap, 2) - sum(shown, 2)),
    row('(our code: src/, all folders)', sum(ours, 1), sum(ours, 2)),
    row('total', sum(byGap, 1), sum(byGap, 2)),
    `ReplyBot's hottest functions (self time, % of its busy samples):`,
    ...[...replybot.shares.functions.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, top)
      .map(([f, share]) => `  ${(share * 100).toFixed(1).padStart(5)}%  ${f}`),
  );
  return lines;
}

if (require.main === module) {
  (async () => {
    const db = await benchDatabase();
    try {
      console.log(`profile of the webhook; database: ${db.label}`);
      for (const line of await profileWebhook(db)) console.log(line);
    } finally {
      await db.stop();
    }
  })().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
