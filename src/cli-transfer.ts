import type { INestApplicationContext } from '@nestjs/common';
import { createWriteStream, readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { AuditChain, BREAK_NAMES } from './audit/audit-chain';
import { ImportPlan, UsersTransferService } from './users/users-transfer.service';

export interface CliIo {
  out: Writable;
  err: Writable;
}

export const TRANSFER_USAGE = `  npm run cli -- import-users <file.ndjson | -> [--dry-run]
      Imports users from NDJSON, one {email, name?, surname?, role?, is_confirmed?,
      password_hash?, locale?, created_at?} per line. Checks every line first: a bad line is
      reported with its number and then nothing is imported. Existing addresses are skipped.
  npm run cli -- import-fastapi --from <DATABASE_URL> [--dry-run]
      Imports the users (hashes, roles, blocks) and LOGGED_IN history of the original FastAPI
      server from its PostgreSQL database.
  npm run cli -- export-users [--with-hashes] [--out <file>]
      Writes every user as NDJSON (the import-users shape) to the file or to stdout.
  npm run cli -- audit-verify
      Walks the audit log's hash chain and names each kind of break it finds, one line each with
      its first place: a changed record, a gap in ids (records removed), a record without a hash,
      a purge checkpoint or anchor that does not match, a missing head or one that does not match
      (exit code 1); or says how many records verified.`;

export function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

const write = (s: Writable, text: string) =>
  new Promise<void>((resolve, reject) => s.write(text, (e) => (e ? reject(e) : resolve())));

/** Runs one of the transfer commands on a started app; answers the exit code. */
export async function runTransferCommand(
  app: INestApplicationContext,
  command: string,
  args: string[],
  io: CliIo,
): Promise<number> {
  if (command === 'audit-verify') {
    const chain = app.get(AuditChain);
    const report = await chain.verify();
    if (report.ok) {
      // What was just verified is sealed, so a later rewrite of it shows.
      await chain.anchor();
      await write(
        io.out,
        `The audit chain holds: ${report.records} records, ${report.checkpoints} checkpoints, ` +
          `${report.anchors} anchors.\n`,
      );
      return 0;
    }
    for (const b of report.breaks) {
      const more = b.count > 1 ? ` (${b.count - 1} more like it)` : '';
      await write(
        io.err,
        `The audit chain is broken: ${BREAK_NAMES[b.kind]}: ${b.problem}${more}.\n`,
      );
    }
    return 1;
  }
  const transfer = app.get(UsersTransferService);
  if (command === 'export-users') {
    const file = argValue(args, '--out');
    const out = file ? createWriteStream(file, { mode: 0o600 }) : io.out;
    const n = await transfer.export(
      (line) => write(out, `${line}\n`),
      args.includes('--with-hashes'),
    );
    if (file) await new Promise<void>((resolve) => out.end(resolve));
    await write(io.err, `Exported ${n} users${file ? ` to ${file}` : ''}.\n`);
    return 0;
  }

  let plan: ImportPlan;
  let source: string;
  if (command === 'import-users') {
    const file = args.find((a) => !a.startsWith('--'));
    if (!file) {
      await write(io.err, `import-users needs a file (or - for stdin)\n${TRANSFER_USAGE}\n`);
      return 2;
    }
    plan = transfer.planNdjson(readFileSync(file === '-' ? 0 : file, 'utf8'));
    source = 'ndjson';
  } else {
    const from = argValue(args, '--from');
    if (!from || !/^postgres(ql)?:\/\//.test(from)) {
      await write(io.err, `import-fastapi needs --from <postgres://...>\n${TRANSFER_USAGE}\n`);
      return 2;
    }
    plan = await transfer.planFastApi(from);
    source = 'fastapi';
  }

  if (plan.problems.length) {
    for (const p of plan.problems) await write(io.err, `${p.where}: ${p.problems.join('; ')}\n`);
    await write(
      io.err,
      `${plan.problems.length} bad entries; nothing was imported. Fix them and run again.\n`,
    );
    return 1;
  }
  const dryRun = args.includes('--dry-run');
  const r = await transfer.run(plan, { dryRun, source });
  await write(
    io.out,
    `${dryRun ? 'Dry run: would import' : 'Imported'} ${r.imported} users` +
      (r.logins ? ` and ${r.logins} past logins` : '') +
      `; ${r.skipped} already there (skipped).\n`,
  );
  return 0;
}
