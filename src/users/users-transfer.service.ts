import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { ImportedUser, validateImportedUser } from './user-import';
import { UsersTransferRepository } from './users-transfer.repository';

/** A user to import and where it came from (`line 12`, `users.id 7`), for the report. */
export interface ImportEntry {
  where: string;
  user: ImportedUser;
}

export interface ImportProblem {
  where: string;
  problems: string[];
}

export interface ImportPlan {
  entries: ImportEntry[];
  problems: ImportProblem[];
}

export interface ImportResult {
  imported: number;
  /** Addresses that already had an account (an earlier run, a sign-up): left as they are. */
  skipped: number;
  logins: number;
}

const ORIGINAL_ROLES: Record<string, string> = { ROOT: 'root', ADMIN: 'admin', USER: 'user' };

/**
 * The CLI's import-users, import-fastapi and export-users. An import is checked whole before
 * anything is written: one bad entry and nothing is imported (the report names every bad one),
 * and the writing is one transaction, so a failure leaves nothing half-imported. Addresses that
 * exist are skipped, so a re-run imports only what is new.
 */
@Injectable()
export class UsersTransferService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: UsersTransferRepository,
    private readonly audit: AuditService,
  ) {}

  /** Parses NDJSON (blank lines are skipped; line numbers count from 1). */
  planNdjson(text: string): ImportPlan {
    const entries: ImportEntry[] = [];
    const problems: ImportProblem[] = [];
    text.split('\n').forEach((raw, i) => {
      const where = `line ${i + 1}`;
      if (!raw.trim()) return;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        problems.push({ where, problems: ['not valid JSON'] });
        return;
      }
      const checked = validateImportedUser(value);
      if ('problems' in checked) problems.push({ where, problems: checked.problems });
      else entries.push({ where, user: checked.user });
    });
    return withoutDuplicates({ entries, problems });
  }

  /**
   * Reads the original FastAPI server's `users` and `user_actions` (LOGGED_IN) tables. Its
   * `sessions` are not imported: their tokens are JWTs signed with a key this server does not have.
   */
  async planFastApi(url: string): Promise<ImportPlan> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const users = await client.query<Record<string, unknown>>(
        `SELECT id, email, password, name, surname, role, is_active, is_confirmed, created_at
           FROM users ORDER BY id`,
      );
      const logins = await client.query<{ user_id: string; created_at: Date }>(
        `SELECT user_id::text, created_at FROM user_actions WHERE action = 'LOGGED_IN' ORDER BY id`,
      );
      const loginsOf = new Map<string, Date[]>();
      for (const l of logins.rows) {
        loginsOf.set(l.user_id, [...(loginsOf.get(l.user_id) ?? []), l.created_at]);
      }
      const plan: ImportPlan = { entries: [], problems: [] };
      for (const row of users.rows) {
        const where = `users.id ${String(row.id)}`;
        const role = ORIGINAL_ROLES[String(row.role).replace(/^.*\./, '').toUpperCase()];
        const checked = validateImportedUser({
          email: row.email,
          name: row.name ?? null,
          surname: row.surname ?? null,
          role: role ?? String(row.role),
          is_confirmed: row.is_confirmed === true,
          password_hash: row.password || null,
          created_at: row.created_at instanceof Date ? row.created_at.toISOString() : null,
        });
        if ('problems' in checked) {
          plan.problems.push({ where, problems: checked.problems });
          continue;
        }
        const user = checked.user;
        user.isActive = row.is_active !== false;
        user.logins = loginsOf.get(String(row.id)) ?? [];
        plan.entries.push({ where, user });
      }
      return withoutDuplicates(plan);
    } finally {
      await client.end();
    }
  }

  /** Imports a plan without problems; with `dryRun`, only counts what it would do. */
  async run(plan: ImportPlan, opts: { dryRun: boolean; source: string }): Promise<ImportResult> {
    if (plan.problems.length) throw new Error('An import with problems is never run.');
    const emails = plan.entries.map((e) => e.user.email);
    if (opts.dryRun) {
      const existing = await this.repo.existingEmails(emails);
      const fresh = plan.entries.filter((e) => !existing.has(e.user.email));
      return {
        imported: fresh.length,
        skipped: existing.size,
        logins: fresh.reduce((n, e) => n + e.user.logins.length, 0),
      };
    }
    return this.db.transaction(async (m) => {
      const result: ImportResult = { imported: 0, skipped: 0, logins: 0 };
      for (const { user } of plan.entries) {
        const id = await this.repo.insertIfAbsent(m, user);
        if (id === null) {
          result.skipped++;
          continue;
        }
        result.imported++;
        for (const at of user.logins) {
          const who = { id, email: user.email };
          await this.audit.record(
            {
              action: 'login',
              outcome: 'success',
              actor: who,
              target: who,
              at,
              details: { imported_from: opts.source },
            },
            m,
          );
          result.logins++;
        }
      }
      await this.audit.record(
        { action: 'users_import', outcome: 'success', details: { source: opts.source, ...result } },
        m,
      );
      return result;
    });
  }

  /** Every user as NDJSON lines in the import's shape, 1,000 at a time; hashes only when asked. */
  async export(
    write: (line: string) => Promise<void> | void,
    withHashes: boolean,
  ): Promise<number> {
    let after = '0';
    let count = 0;
    for (;;) {
      const rows = await this.repo.page(after, 1000, withHashes);
      if (!rows.length) return count;
      for (const r of rows) {
        await write(
          JSON.stringify({
            email: r.email,
            name: r.name,
            surname: r.surname,
            role: r.role,
            is_confirmed: r.is_confirmed,
            locale: r.locale,
            created_at: new Date(r.created_at).toISOString(),
            ...(withHashes ? { password_hash: r.password_hash } : {}),
          }),
        );
        count++;
      }
      after = rows[rows.length - 1].id;
    }
  }
}

/** The second and later entries of one address are problems (emails compare case-insensitively). */
function withoutDuplicates(plan: ImportPlan): ImportPlan {
  const first = new Map<string, string>();
  const entries: ImportEntry[] = [];
  const problems = [...plan.problems];
  for (const e of plan.entries) {
    const seen = first.get(e.user.email);
    if (seen) problems.push({ where: e.where, problems: [`email: the same address as ${seen}`] });
    else {
      first.set(e.user.email, e.where);
      entries.push(e);
    }
  }
  return { entries, problems };
}
