// Runs the real server as a child process (through tsx, straight from the TypeScript sources).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

export interface ServerProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the port once the server logs that it listens. */
  listening: Promise<number>;
}

export function spawnServer(env: Record<string, string>, script = 'src/main.ts'): ServerProcess {
  const child = spawn(TSX, [script], {
    cwd: ROOT,
    // Only what the test gives: nothing from the developer's own environment or .env leaks in.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let onLine: ((line: string) => void) | null = null;
  const feed = (chunk: Buffer) => {
    output += chunk.toString();
    for (const line of chunk.toString().split('\n')) onLine?.(line);
  };
  child.stdout?.on('data', feed);
  child.stderr?.on('data', feed);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const listening = new Promise<number>((resolve, reject) => {
    onLine = (line) => {
      const m = /"message":"listening".*"port":(\d+)/.exec(line);
      if (m) resolve(Number(m[1]));
    };
    void exited.then(() => reject(new Error(`server exited before listening:\n${output}`)));
  });
  listening.catch(() => undefined);
  return { child, output: () => output, exited, listening };
}
