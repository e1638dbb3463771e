#!/usr/bin/env node
// The `replybot` command: runs the compiled CLI, compiling first when the sources are newer.
const path = require('node:path');
const { existsSync } = require('node:fs');

const root = path.resolve(__dirname, '..');
const builder = path.join(root, 'scripts', 'build-if-needed.js');
// In a production image there is no builder (and no TypeScript): dist/ is already there.
if (existsSync(builder) && existsSync(path.join(root, 'node_modules', 'typescript'))) {
  require(builder).buildIfNeeded();
}
require(path.join(root, 'dist', 'src', 'cli', 'main.js'));
