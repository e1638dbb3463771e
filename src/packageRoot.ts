// Where this package is installed: the folder holding its package.json, for files shipped beside
// the code (the console's assets, the FerretDB patches, the built database in .tools/).
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The folder of this package (where package.json is), found from `start` upwards. */
export function packageRoot(start = __dirname): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}
