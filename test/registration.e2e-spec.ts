import { MailOutbox } from '../src/mail/mail-outbox.entity';
import { User } from '../src/users/user.entity';
import { codeOf, nthMailTo, tokenOf } from './support/mail-helpers';
import { startApp, TestApp } from './support/test-app';

const PASSWORD = 'purple elephants dance quietly';

describe('registration and email confirmation', () => {
  let t: TestApp;
  let n = 0;
  const address = (tag: string) => `${tag}-${++n}@example.com`;
  const user = (email: string) => t.db.getRepository(User).findOneByOrFail({ email });

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.destroy());

  it('signs up and confirms by code from the real mail', async () => {
    const email = address('code');
    const res = await t.http.post('/register').send({ email, password: PASSWORD, name: 'Ada' });
    expect(res.status).toBe(202);
    expect(res.body.message).toEqual(expect.any(String));
    expect((await user(email)).isConfirmed).toBe(false);

    const mail = await nthMailTo(t.mail, email);
    expect(mail.subject).toMatch(/Confirm your email/);
    expect(mail.html).toContain(codeOf(mail));
    const ok = await t.http.post('/register/confirm').send({ email, code: codeOf(mail) });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ email, is_confirmed: true, name: 'Ada' });
    expect(ok.body).not.toHaveProperty('password_hash');
    expect((await user(email)).isConfirmed).toBe(true);
  });
});
