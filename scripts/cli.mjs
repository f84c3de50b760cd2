// `npm run cli -- <command>`: builds first only when a build input is newer than the build (or
// there is none yet), then runs the CLI in this process, so a command costs a start, not a build.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What the build reads; directories count too, so a deleted or renamed file shows. */
const INPUTS = ['src', 'migrations', 'packages/client/src', 'nest-cli.json', 'package.json'];
/** What the build writes last in each of its two steps (the client package, then the server). */
const OUTPUTS = ['packages/client/dist/index.js', 'dist/src/cli.js'];
/** Files the build leaves out (tsconfig.build.json), whose changes do not need one. */
const NOT_BUILT = /\.(spec|fake)\.ts$/;

function newestInput() {
  let newest = 0;
  const visit = (path) => {
    let s;
    try {
      s = statSync(path);
    } catch {
      return;
    }
    newest = Math.max(newest, s.mtimeMs);
    if (!s.isDirectory()) return;
    for (const e of readdirSync(path, { withFileTypes: true })) {
      if (e.isDirectory() || !NOT_BUILT.test(e.name)) visit(join(path, e.name));
    }
  };
  INPUTS.forEach((p) => visit(join(root, p)));
  for (const dir of [root, join(root, 'packages/client')]) {
    for (const name of readdirSync(dir)) {
      if (/^tsconfig.*\.json$/.test(name) || (dir !== root && name === 'package.json')) {
        visit(join(dir, name));
      }
    }
  }
  return newest;
}

function oldestOutput() {
  try {
    return Math.min(...OUTPUTS.map((p) => statSync(join(root, p)).mtimeMs));
  } catch {
    return -Infinity; // not built yet (a fresh clone)
  }
}

if (newestInput() > oldestOutput()) {
  // The build's own output stays quiet; its errors (stderr) show, and stop the command.
  const npm = process.env.npm_execpath
    ? [process.execPath, [process.env.npm_execpath]]
    : ['npm', []];
  const build = spawnSync(npm[0], [...npm[1], 'run', 'build'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

createRequire(import.meta.url)(join(root, 'dist/src/cli.js'));
