// Entry point of the `replybot` command.
import { processIo, runCli } from './commands';

runCli(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`replybot: ${err.message}\n`);
    process.exitCode = 1;
  },
);
