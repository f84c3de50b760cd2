// `npm run openapi`: writes openapi.json from the code; `npm run openapi -- --check` fails when
// the committed file differs (CI). Needs no database: the app is created in preview mode.
import { NestFactory } from '@nestjs/core';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { buildOpenApiDocument } from './openapi';

const FILE = join(__dirname, '..', 'openapi.json');

async function main(): Promise<void> {
  const app = await NestFactory.create(AppModule, { preview: true, logger: false });
  const text = `${JSON.stringify(buildOpenApiDocument(app, 'Email Auth'), null, 2)}\n`;
  if (process.argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(FILE, 'utf8');
    } catch {
      /* missing counts as different */
    }
    if (committed !== text) {
      process.stderr.write('openapi.json is out of date: run `npm run openapi` and commit it.\n');
      process.exit(1);
    }
    process.stdout.write('openapi.json is up to date.\n');
  } else {
    writeFileSync(FILE, text);
    process.stdout.write(`wrote ${FILE}\n`);
  }
  await app.close();
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
