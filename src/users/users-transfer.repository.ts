import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { ImportedUser } from './user-import';

export interface ExportedUserRow {
  id: string;
  email: string;
  name: string | null;
  surname: string | null;
  role: string;
  is_confirmed: boolean;
  is_active: boolean;
  locale: string;
  created_at: Date;
  password_hash: string | null;
}

/** The bulk queries of import and export (one statement per user, in the caller's transaction). */
@Injectable()
export class UsersTransferRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Which of these addresses already have an account. */
  async existingEmails(emails: string[], manager?: EntityManager): Promise<Set<string>> {
    const rows: { email: string }[] = await (manager ?? this.db).query(
      'SELECT email FROM users WHERE email = ANY($1)',
      [emails],
    );
    return new Set(rows.map((r) => r.email));
  }

  /** Inserts the user unless the address exists (a parallel run, a sign-up): answers its id or null. */
  async insertIfAbsent(manager: EntityManager, u: ImportedUser): Promise<string | null> {
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO users (email, name, surname, role, is_confirmed, is_active, password_hash, locale,
                          created_at, updated_at, last_login_at, block_reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9, now()), now(), $10, $11)
       ON CONFLICT (email) DO NOTHING RETURNING id`,
      [
        u.email,
        u.name,
        u.surname,
        u.role,
        u.isConfirmed,
        u.isActive,
        u.passwordHash,
        u.locale,
        u.createdAt,
        u.logins.length ? new Date(Math.max(...u.logins.map((d) => d.getTime()))) : null,
        u.isActive ? null : 'inactive in the imported server',
      ],
    );
    return rows[0]?.id ?? null;
  }

  /** Up to `limit` users after id `afterId`, by id (keyset), hashes only when asked. */
  async page(afterId: string, limit: number, withHashes: boolean): Promise<ExportedUserRow[]> {
    return this.db.query(
      `SELECT id, email, name, surname, role, is_confirmed, is_active, locale, created_at,
              ${withHashes ? 'password_hash' : 'NULL AS password_hash'}
         FROM users WHERE id > $1 ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
  }
}
