import {
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';

/**
 * What a container test needs to know of the Dockerfile and docker-compose.yml, and how to lay out
 * the final stage's files without Docker: the build stage's work is what `npm run build` leaves in
 * this checkout plus `npm prune --omit=dev` done on its node_modules.
 */

export const ROOT = join(__dirname, '..', '..');

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** The stages of a Dockerfile: continuation lines joined, comments dropped. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (!full) continue;
    const [keyword, ...rest] = full.split(/\s+/);
    const args = full.slice(keyword.length).trim();
    if (keyword.toUpperCase() === 'FROM') {
      const as = rest.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({
        image: rest[0],
        name: as >= 0 ? rest[as + 1] : undefined,
        instructions: [],
      });
    } else if (stages.length === 0) {
      throw new Error(`Dockerfile: ${keyword} before FROM`);
    } else {
      stages[stages.length - 1].instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

export interface Copy {
  from?: string;
  sources: string[];
  dest: string;
}

/** COPY/ADD arguments: flags (--from, --chown, ...) then sources and the destination. */
export function parseCopy(args: string): Copy {
  const words = args.split(/\s+/);
  const flags = new Map<string, string>();
  while (words[0]?.startsWith('--')) {
    const [k, v = ''] = words.shift()!.slice(2).split('=');
    flags.set(k, v);
  }
  const paths = words[0]?.startsWith('[') ? (JSON.parse(words.join(' ')) as string[]) : words;
  if (paths.length < 2) throw new Error(`COPY ${args}: expected sources and a destination`);
  return { from: flags.get('from'), sources: paths.slice(0, -1), dest: paths[paths.length - 1] };
}

/** ENV `k=v k2="v 2"` (or the old `ENV k v`). */
export function parseEnv(args: string): Record<string, string> {
  if (!/^[^\s=]+=/.test(args)) {
    const [k, ...v] = args.split(/\s+/);
    return { [k]: v.join(' ') };
  }
  const env: Record<string, string> = {};
  for (const m of args.matchAll(/([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    env[m[1]] = m[2].startsWith('"') ? (JSON.parse(m[2]) as string) : m[2];
  }
  return env;
}

/** An exec-form CMD/ENTRYPOINT as argv; a shell form is refused (signals would not reach node). */
export function execForm(args: string): string[] {
  if (!args.startsWith('[')) throw new Error(`not the exec form: ${args}`);
  return JSON.parse(args) as string[];
}

/** Whether .dockerignore keeps `path` (relative to the context) out of the build context. */
export function dockerIgnored(path: string, dockerignore: string): boolean {
  const patterns = dockerignore
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const parts = posix.normalize(path).split('/');
  let ignored = false;
  for (const p of patterns) {
    const negate = p.startsWith('!');
    const glob = posix.normalize(negate ? p.slice(1) : p).replace(/^\/+/, '');
    const re = new RegExp(
      `^${glob
        .split('**')
        .map((s) =>
          s
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '[^/]*')
            .replace(/\?/g, '[^/]'),
        )
        .join('.*')}$`,
    );
    // A pattern that matches a folder keeps out everything under it.
    for (let i = 1; i <= parts.length; i++) {
      if (re.test(parts.slice(0, i).join('/'))) {
        ignored = !negate;
        break;
      }
    }
  }
  return ignored;
}

/**
 * Compose's interpolation: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?message}` and `${VAR?message}` (which stop `docker compose` with the message).
 */
export function interpolate(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(
    /\$\$|\$([A-Za-z_]\w*)|\$\{([A-Za-z_]\w*)(?:(:?)([-?])((?:[^}\\]|\\.)*))?\}/g,
    (whole, bare?: string, name?: string, colon?: string, op?: string, arg?: string) => {
      if (whole === '$$') return '$';
      if (bare) return vars[bare] ?? '';
      const v = vars[name!];
      const missing = colon ? !v : v === undefined;
      if (op === '-') return missing ? arg! : v!;
      if (op === '?' && missing) {
        throw new Error(`required variable ${name} is missing a value: ${arg}`);
      }
      return v ?? '';
    },
  );
}

/** A compose service's `environment` in either form, as a map. */
export function composeEnvironment(
  environment: Record<string, string | number | boolean | null> | string[] | undefined,
): Record<string, string> {
  if (!environment) return {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment.map((e) => {
        const i = e.indexOf('=');
        return i < 0 ? [e, ''] : [e.slice(0, i), e.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(environment).map(([k, v]) => [k, v === null ? '' : String(v)]),
  );
}

/** `env_file` entries as `{path, required}`. */
export function composeEnvFiles(
  envFile: string | (string | { path: string; required?: boolean })[] | undefined,
): { path: string; required: boolean }[] {
  if (envFile === undefined) return [];
  return [envFile]
    .flat()
    .map((e) =>
      typeof e === 'string'
        ? { path: e, required: true }
        : { path: e.path, required: e.required ?? true },
    );
}

/** The newest modification time of the files under `paths` (folders walked, node_modules and dist not). */
export function newestMtime(paths: string[]): number {
  let newest = 0;
  const walk = (p: string): void => {
    const s = statSync(p);
    if (!s.isDirectory()) {
      newest = Math.max(newest, s.mtimeMs);
      return;
    }
    for (const name of readdirSync(p)) {
      if (name !== 'node_modules' && name !== 'dist') walk(join(p, name));
    }
  };
  paths.filter((p) => existsSync(p)).forEach(walk);
  return newest;
}

/** Copies a file or a folder's contents; `link` hard-links files instead (same bytes, no copy). */
export function copyTree(
  from: string,
  to: string,
  opts: { link?: boolean; skip?: (name: string) => boolean } = {},
): void {
  const s = lstatSync(from);
  if (s.isSymbolicLink()) {
    mkdirSync(dirname(to), { recursive: true });
    symlinkSync(readlinkSync(from), to);
  } else if (s.isDirectory()) {
    mkdirSync(to, { recursive: true });
    for (const name of readdirSync(from)) {
      if (!opts.skip?.(name)) copyTree(join(from, name), join(to, name), { link: opts.link });
    }
  } else {
    mkdirSync(dirname(to), { recursive: true });
    if (opts.link) {
      try {
        linkSync(from, to);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      }
    }
    copyFileSync(from, to);
  }
}

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  link?: boolean;
  resolved?: string;
}

/**
 * node_modules as `npm prune --omit=dev` leaves this checkout's: every package of the lock file that
 * is not dev-only, taken from ./node_modules (hard links: fast, and module resolution sees only the
 * staged tree). A package that the lock file names but node_modules lacks or holds in another
 * version stops the staging: node_modules is not what `npm ci` makes from this lock file.
 */
export function stageProductionModules(to: string): number {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  let count = 0;
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.startsWith('node_modules/') || entry.dev) continue;
    const target = join(to, relative('node_modules', path));
    if (entry.link) {
      mkdirSync(dirname(target), { recursive: true });
      symlinkSync(relative(dirname(path), entry.resolved!), target);
      count++;
      continue;
    }
    const source = join(ROOT, path);
    if (!existsSync(source)) {
      // Optional packages for other platforms are not installed (nor would they be in the image).
      if (entry.optional) continue;
      throw new Error(`${path} is missing: run npm ci`);
    }
    const installed = (JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as LockEntry)
      .version;
    if (installed !== entry.version) {
      throw new Error(`${path} is ${installed}, the lock file says ${entry.version}: run npm ci`);
    }
    // Nested packages have their own entries (and may be dev-only).
    copyTree(source, target, { link: true, skip: (name) => name === 'node_modules' });
    count++;
  }
  return count;
}
