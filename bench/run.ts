// `npm run bench`: every benchmark, each printing its figures and its same-run baseline.
// BENCH_ONLY=rules,webhook,scheduler,database picks some; see docs/benchmarks.md for the figures and machine.
import os from 'node:os';
import { runDatabaseBench } from './database.bench';
import { runRulesBench } from './rules.bench';
import { runSchedulerBench } from './scheduler.bench';
import { runWebhookBench } from './webhook.bench';

const BENCHES: Record<string, () => Promise<void>> = {
  rules: runRulesBench,
  webhook: runWebhookBench,
  scheduler: runSchedulerBench,
  database: runDatabaseBench,
};

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()) ?? Object.keys(BENCHES);
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  for (const name of only) {
    const bench = BENCHES[name];
    if (!bench)
      throw new Error(`unknown benchmark "${name}" (known: ${Object.keys(BENCHES).join(', ')})`);
    console.log(`\n== ${name}`);
    await bench();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
