import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { PinoLoggerService } from '../src/common/logging/logger';
import { SecretBox } from '../src/crypto/secret-box';
import { MailOutbox } from '../src/mail/mail-outbox.entity';
import { MailOutboxRepository } from '../src/mail/mail-outbox.repository';
import { MailRenderer } from '../src/mail/mail.renderer';
import { MailService } from '../src/mail/mail.service';
import { MailTransport } from '../src/mail/mail.transport';
import { MailWorker } from '../src/mail/mail.worker';
import { OtpService } from '../src/otp/otp.service';
import { UsersRepository } from '../src/users/users.repository';
import { eventually } from './support/eventually';
import { codeOf, nthMailTo, tokenOf } from './support/mail-helpers';
import { startApp, TestApp } from './support/test-app';

const PASSWORD = 'purple elephants dance quietly';

describe('mail outbox and worker', () => {
  let t: TestApp;
  let n = 0;
  const address = (tag: string) => `${tag}-${++n}@example.com`;
  const outboxRow = (to: string) => t.db.getRepository(MailOutbox).findOneBy({ toAddress: to });

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.destroy());

  it('keeps the mail of a sign-up while SMTP is down and delivers it when it is back', async () => {
    const port = t.mail.port;
    await t.mail.stop();
    const email = address('outage');
    let atRest: string;
    try {
      const res = await t.http.post('/register').send({ email, password: PASSWORD });
      expect(res.status).toBe(202);
      // The worker tried, failed, and scheduled a retry with backoff; the context (code) is kept.
      const failed = await eventually(async () => {
        const row = await outboxRow(email);
        return row && row.attempts >= 1 && row.status === 'pending' ? row : undefined;
      }, 'a failed first try, pending again');
      expect(failed.lastError).toBeTruthy();
      expect(failed.nextAttemptAt.getTime()).toBeGreaterThan(Date.now());
      expect(failed.context).not.toEqual({});
      atRest = JSON.stringify(failed.context);
    } finally {
      await t.mail.start(port);
    }
    // Bring the retry forward rather than wait out the backoff.
    await t.db.query(`UPDATE mail_outbox SET next_attempt_at = now() WHERE to_address = $1`, [
      email,
    ]);
    const mail = await nthMailTo(t.mail, email);
    expect(codeOf(mail)).toMatch(/^\d{6}$/);
    // While it waited, the row held neither the code nor the link's token in readable form.
    expect(atRest).not.toContain(codeOf(mail));
    expect(atRest).not.toContain(tokenOf(mail));
    expect(atRest).not.toMatch(/verify\?token=|"code"|"link"/);
    const sent = await eventually(async () => {
      const row = await outboxRow(email);
      return row?.status === 'sent' ? row : undefined;
    }, 'the mail to be sent');
    expect(sent.context).toEqual({});
    expect(sent.sentAt).toBeInstanceOf(Date);
    await t.http
      .post('/register/confirm')
      .send({ email, code: codeOf(mail) })
      .expect(200);
  });

  it('still sends a mail queued before contexts were sealed (a plain context)', async () => {
    const email = address('legacy');
    await t.db.query(
      `INSERT INTO mail_outbox (to_address, template, context) VALUES ($1, 'email-confirm', $2)`,
      [
        email,
        JSON.stringify({
          code: '024680',
          link: 'http://localhost:3000/users/verify?token=' + 'a'.repeat(43),
          codeMinutes: 10,
          linkHours: 24,
        }),
      ],
    );
    await t.app.get(MailWorker).drain();
    const mail = await nthMailTo(t.mail, email);
    expect(codeOf(mail)).toBe('024680');
  });

  it('gives up, without a retry, a mail sealed under a key it no longer has', async () => {
    const email = address('lost-key');
    const box = new SecretBox(randomBytes(32));
    await t.db.query(
      `INSERT INTO mail_outbox (to_address, template, context) VALUES ($1, 'account-exists', $2)`,
      [email, JSON.stringify({ sealed: box.seal('{}', `mail_outbox:account-exists:${email}`) })],
    );
    await t.app.get(MailWorker).drain();
    const row = await eventually(async () => {
      const r = await outboxRow(email);
      return r?.status === 'failed' ? r : undefined;
    }, 'the mail to be given up');
    expect(row.lastError).toMatch(/ENCRYPTION_KEY/);
    expect(t.mail.to(email)).toHaveLength(0);
  });

  it('marks a mail failed after the last try', async () => {
    const port = t.mail.port;
    const email = address('doomed');
    await t.mail.stop();
    try {
      await t.db.transaction((m) =>
        t.app
          .get(MailService)
          .enqueue(m, { to: email, template: 'account-exists', locale: 'en', context: {} }),
      );
      await t.db.query(`UPDATE mail_outbox SET attempts = 7 WHERE to_address = $1`, [email]);
      const row = await eventually(async () => {
        const r = await outboxRow(email);
        return r?.status === 'failed' ? r : undefined;
      }, 'the mail to fail after its last try');
      expect(row.attempts).toBe(8);
      expect(row.lastError).toBeTruthy();
    } finally {
      await t.mail.start(port);
    }
  });

  it('sends each mail once with several workers claiming at the same time', async () => {
    const deps = [
      t.app.get(MailOutboxRepository),
      t.app.get(MailRenderer),
      t.app.get(MailTransport),
    ] as const;
    const workers = [new MailWorker(...deps), new MailWorker(...deps), new MailWorker(...deps)];
    for (const w of workers) w.options.batchSize = 3;
    const to = Array.from({ length: 24 }, () => address('many'));
    await t.db.transaction(async (m) => {
      for (const a of to) {
        await t.app
          .get(MailService)
          .enqueue(m, { to: a, template: 'account-exists', locale: 'en', context: {} });
      }
    });
    // Three extra workers race the app's own worker.
    const claimed = await Promise.all(workers.map((w) => w.drain()));
    await t.mail.waitFor(() => to.every((a) => t.mail.to(a).length >= 1));
    // Once every row is settled (the app's own worker may still be marking its last one)...
    await eventually(async () => {
      const rows = await t.db.getRepository(MailOutbox).findBy(to.map((a) => ({ toAddress: a })));
      return rows.every((r) => r.status === 'sent') ? true : undefined;
    }, 'every mail to be sent');
    // ...each address got exactly one mail.
    expect(to.map((a) => t.mail.to(a).length)).toEqual(to.map(() => 1));
    expect(claimed.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(to.length);
  });

  (process.env.DATABASE_URL ? it : it.skip)(
    'sends each mail once with two app instances on one PostgreSQL database',
    async () => {
      const second = await startApp({}, { database: t.database, mail: t.mail });
      try {
        const to = Array.from({ length: 20 }, () => address('two-apps'));
        await t.db.transaction(async (m) => {
          for (const a of to) {
            await t.app
              .get(MailService)
              .enqueue(m, { to: a, template: 'account-exists', locale: 'en', context: {} });
          }
        });
        await Promise.all([t.app.get(MailWorker).drain(), second.app.get(MailWorker).drain()]);
        await t.mail.waitFor(() => to.every((a) => t.mail.to(a).length >= 1));
        expect(to.map((a) => t.mail.to(a).length)).toEqual(to.map(() => 1));
      } finally {
        await second.close();
      }
    },
  );
});

describe('mail without SMTP_URL', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ SMTP_URL: undefined, OTP_TTL: '1s' });
  });
  afterAll(() => t.destroy());

  it('writes each mail to DATA_DIR/mail as .eml and logs where, never its code or link', async () => {
    const log = jest.spyOn(t.app.get(PinoLoggerService), 'log');
    const email = 'dev@example.com';
    await t.app.get(UsersRepository).create({ email, isConfirmed: true });
    await t.http.post('/password/forgot').send({ email }).expect(202);

    const dir = join(t.env.DATA_DIR, 'mail');
    // The log line comes after the file is complete.
    const line = await eventually(
      async () => log.mock.calls.find(([entry]) => JSON.stringify(entry).includes('.eml')),
      'the log line of the written file',
    );
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const file = files[0];
    expect(file).toMatch(/\.eml$/);
    const mail = await simpleParser(readFileSync(join(dir, file)));
    expect(mail.subject).toBe('Reset your Email Auth password');
    expect(mail.html).toBeTruthy();
    const code = codeOf(mail);
    expect(line[0]).toMatchObject({ to: email, file: join(dir, file) });
    expect(mail.text).toContain(code);
    expect(mail.text).toContain('/password/reset?token=');
    // Only the line about this mail: timings in other lines may hold any six digits.
    expect(JSON.stringify(line[0])).not.toContain(code);
    expect(JSON.stringify(log.mock.calls)).not.toContain('?token=');

    // OTP_TTL is 1 s here: on the service's clock, moved on rather than waited for, the code has
    // expired.
    const otp = t.app.get(OtpService);
    otp.now = () => Date.now() + 1_100;
    const late = await t.http
      .post('/password/reset')
      .send({ email, code, new_password: 'seven green turtles swim slowly' });
    expect(late.status).toBe(400);
    expect(late.body.code).toBe('invalid_code');
    otp.now = () => Date.now();
  });
});
