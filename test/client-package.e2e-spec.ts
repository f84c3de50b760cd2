import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PACKAGE = join(__dirname, '..', 'packages', 'client');
const SERVER_ONLY = [
  'typeorm',
  'pg',
  'bcrypt',
  '@nestjs-modules/mailer',
  'nodemailer',
  '@electric-sql/pglite',
];

/**
 * The client as another service gets it: `npm pack` of packages/client, installed alone into an
 * empty project (npm adds its peers, the @nestjs packages), then loaded.
 */
describe('the nest-email-auth-client package', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'client-pkg-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('installs and loads without TypeORM, pg, bcrypt or the mailer', () => {
    const npm = (args: string[], cwd: string) =>
      execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    // prepack builds the package.
    const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], PACKAGE)) as {
      filename: string;
      files: { path: string }[];
    }[];
    const files = packed[0].files.map((f) => f.path);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files.some((f) => f.startsWith('src/') || f.endsWith('.spec.js'))).toBe(false);

    const app = join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    npm(
      ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, packed[0].filename)],
      app,
    );
    const installed = readdirSync(join(app, 'node_modules'));
    expect(installed).toContain('nest-email-auth-client');
    expect(installed).toContain('@nestjs');
    for (const name of SERVER_ONLY) {
      expect(existsSync(join(app, 'node_modules', name))).toBe(false);
    }

    const loaded = execFileSync(
      process.execPath,
      [
        '-e',
        `require('reflect-metadata');
         const c = require('nest-email-auth-client');
         const heavy = Object.keys(require.cache).filter((p) => /node_modules\\/(typeorm|pg|bcrypt|nodemailer)\\//.test(p));
         console.log(JSON.stringify({ exports: Object.keys(c).sort(), heavy }));`,
      ],
      { cwd: app, encoding: 'utf8' },
    );
    const { exports, heavy } = JSON.parse(loaded) as { exports: string[]; heavy: string[] };
    expect(exports).toEqual(
      expect.arrayContaining([
        'AdminOnly',
        'AuthClientGuard',
        'AuthClientModule',
        'AuthClientService',
        'CurrentUser',
        'Public',
      ]),
    );
    expect(heavy).toEqual([]);
  }, 300_000);
});
