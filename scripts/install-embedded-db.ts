// Builds the embedded database ahead of time (CI does this before the tests); later starts reuse it.
import { ensureFerretdb } from '../src/db/embedded';

const progress = {
  info: (message: string) => process.stdout.write(`${message}\n`),
  warn: (message: string) => process.stderr.write(`${message}\n`),
};

ensureFerretdb(progress).then(
  (binary) => process.stdout.write(`embedded database ready: ${binary}\n`),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
