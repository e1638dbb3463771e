#!/usr/bin/env node
// `npm test`: the unit and integration suites (two jest workers), then the load suites in test/load/
// on their own, so a burst that takes both cores does not starve the timing-based scheduler tests.
// With arguments (`npm test -- cron`), it is plain jest with those arguments.
const { spawnSync } = require('node:child_process');

const jest = require.resolve('jest/bin/jest');
const args = process.argv.slice(2);
const runs =
  args.length > 0 ? [args] : [['--testPathIgnorePatterns', '/test/load/'], ['test/load/']];

for (const run of runs) {
  const { status, signal } = spawnSync(process.execPath, [jest, ...run], { stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? (signal ? 1 : 0));
}
