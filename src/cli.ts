import { NestFactory } from '@nestjs/core';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { AppModule } from './app.module';
import { AuditChain } from './audit/audit-chain';
import { loadEnvFile } from './config/env-file';
import { loadSettings } from './config/settings';
import { upgradeEmbeddedDatabase } from './database/embedded-upgrade';
import { RootAccountService } from './users/root-account.service';
import { argValue, runTransferCommand, TRANSFER_USAGE } from './cli-transfer';
import { JWT_ROTATE_USAGE, jwtRotateCommand } from './tokens/jwt-rotate.command';

const USAGE = `Usage:
  npm run cli -- create-admin --email <address>
      Creates a confirmed root user (or promotes that address to root).
      The password comes from ADMIN_PASSWORD, or is asked for on the terminal.
${TRANSFER_USAGE}
${JWT_ROTATE_USAGE}
  npm run cli -- embedded-upgrade
      Moves the embedded database (DATA_DIR/db) written by the previous release's PostgreSQL 17
      to this release's PostgreSQL 19: copies it into a new folder, checks every table's rows,
      sequences and definitions and the audit chain, and keeps the old folder as DATA_DIR/db.pg17.
With the embedded database, stop the server first (one process at a time per DATA_DIR).`;

const TRANSFER_COMMANDS = ['import-users', 'import-fastapi', 'export-users', 'audit-verify'];

/** Asks for a secret without echoing it. */
async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY)
    throw new Error('No terminal to ask for the password: set ADMIN_PASSWORD.');
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, cb) {
      if (!muted) process.stdout.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      process.stdout.write('\n');
      resolve(answer);
    });
    muted = true;
  });
}

/** The new folder in place, the app started on it (migrations run): does the audit chain hold? */
async function verifyUpgraded(): Promise<string | undefined> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error'] });
  try {
    const report = await app.get(AuditChain).verify();
    return report.ok
      ? undefined
      : `the audit chain is broken: ${report.breaks.map((b) => b.problem).join('; ')}`;
  } finally {
    await app.close();
  }
}

async function embeddedUpgrade(): Promise<void> {
  const { database } = loadSettings();
  if (database.url) {
    process.stderr.write('DATABASE_URL is set: embedded-upgrade is for the embedded database.\n');
    process.exit(2);
  }
  process.env.LOG_LEVEL ??= 'error';
  const outcome = await upgradeEmbeddedDatabase(database.dataDir, {
    verify: verifyUpgraded,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(
    outcome.upgraded
      ? `Upgraded: ${outcome.tables} tables, ${outcome.rows} rows, and the audit chain holds. ` +
          `The old folder is kept as ${outcome.backup}; remove it once the server runs well.\n`
      : `${outcome.reason}.\n`,
  );
}

async function main(): Promise<void> {
  loadEnvFile();
  // The server's own periodic check of the audit chain has no place in a one-shot command
  // (audit-verify walks the whole chain itself).
  process.env.AUDIT_CHAIN_CHECK_INTERVAL = 'off';
  const [command, ...args] = process.argv.slice(2);
  if (command === 'embedded-upgrade') return embeddedUpgrade();
  if (command === 'jwt-rotate') {
    const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error'] });
    try {
      process.exitCode = await jwtRotateCommand(app, process.stdout);
    } finally {
      await app.close();
    }
    return;
  }
  if (TRANSFER_COMMANDS.includes(command)) {
    // Logs would mix with an export on stdout: only errors, unless asked for.
    process.env.LOG_LEVEL ??= 'error';
    const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error'] });
    try {
      process.exitCode = await runTransferCommand(app, command, args, {
        out: process.stdout,
        err: process.stderr,
      });
    } finally {
      await app.close();
    }
    return;
  }
  if (command !== 'create-admin') {
    process.stdout.write(`${USAGE}\n`);
    process.exit(command ? 2 : 0);
  }
  const email = argValue(args, '--email');
  if (!email || !/^[^\s@]+@[^\s@]+$/.test(email)) {
    process.stderr.write(`create-admin needs --email <address>\n${USAGE}\n`);
    process.exit(2);
  }
  const password =
    process.env.ADMIN_PASSWORD || (await promptHidden('Password for the new root: '));
  // Without the env pair, RootAccountService's own bootstrap does nothing; this command does the work.
  delete process.env.ADMIN_EMAIL;
  delete process.env.ADMIN_PASSWORD;
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  try {
    const user = await app.get(RootAccountService).createRoot(email, password);
    process.stdout.write(`Root user ${user.email} is ready (id ${user.id}).\n`);
  } finally {
    await app.close();
  }
}

main().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
