// `npm run bench`: every benchmark, each printing its figures and its same-run baseline.
// BENCH_ONLY=rules,database,webhook,scale,scheduler,analytics picks some; see docs/benchmarks.md for the figures and machine.
import os from 'node:os';

// Loaded when picked: one benchmark's imports cannot stop another from running.
const BENCHES: Record<string, () => Promise<void>> = {
  rules: async () => (await import('./rules.bench')).runRulesBench(),
  database: async () => (await import('./database.bench')).runDatabaseBench(),
  webhook: async () => (await import('./webhook.bench')).runWebhookBench(),
  scale: async () => (await import('./scale.bench')).runScaleBench(),
  scheduler: async () => (await import('./scheduler.bench')).runSchedulerBench(),
  analytics: async () => (await import('./analytics.bench')).runAnalyticsBench(),
};

/** The 1-minute load average: other work on the machine makes the figures noisy. */
const load = () => os.loadavg()[0].toFixed(1);

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()) ?? Object.keys(BENCHES);
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  for (const name of only) {
    const bench = BENCHES[name];
    if (!bench)
      throw new Error(`unknown benchmark "${name}" (known: ${Object.keys(BENCHES).join(', ')})`);
    console.log(`\n== ${name} (load average ${load()} before)`);
    await bench();
    console.log(`(load average ${load()} after ${name}; ${os.cpus().length} cores)`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
