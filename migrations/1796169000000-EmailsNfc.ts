import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Addresses are compared in NFC since this release (normalizeEmail): an address stored before it
 * with a combining accent (u + U+0308) would no longer be found when its owner signs in. Each such
 * address is put in NFC, unless another account already holds that form (or would, from another
 * row): those pairs were two accounts for one address and are left as they are, for an admin to
 * resolve (SELECT email FROM users WHERE email IS NOT NFC NORMALIZED lists them).
 */
export class EmailsNfc1796169000000 implements MigrationInterface {
  name = 'EmailsNfc1796169000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE users u SET email = n.nfc
        FROM (SELECT id, normalize(email, NFC) AS nfc,
                     count(*) OVER (PARTITION BY normalize(email, NFC)) AS holders
                FROM users) n
       WHERE n.id = u.id AND n.holders = 1 AND u.email IS NOT NFC NORMALIZED`);
  }

  async down(): Promise<void> {
    // Nothing to undo: the NFC form is the same address.
  }
}
