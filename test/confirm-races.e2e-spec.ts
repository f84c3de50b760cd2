import { RateLimitService } from '../src/common/rate-limit/rate-limit.service';
import { uniqueEmail } from './support/factories';
import { codeOf, nthMailTo, tokenOf } from './support/mail-helpers';
import { startApp, TestApp } from './support/test-app';

const PASSWORD = 'purple elephants dance quietly';

describe('confirming one address with its code and its link at the same moment', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.destroy());

  it("confirms once and answers the other 400, never a deadlock's 500", async () => {
    // The embedded database runs one transaction at a time: the race is PostgreSQL's.
    const rounds = process.env.DATABASE_URL ? 12 : 3;
    for (let i = 0; i < rounds; i++) {
      const email = uniqueEmail('race');
      await t.http.post('/register').send({ email, password: PASSWORD }).expect(202);
      const mail = await nthMailTo(t.mail, email);
      const [byCode, byLink] = await Promise.all([
        t.http.post('/register/confirm').send({ email, code: codeOf(mail) }),
        t.http.post('/users/verify').send({ token: tokenOf(mail) }),
      ]);
      const statuses = [byCode.status, byLink.status].sort();
      // One of them confirms; the other, which waited for the same locks in the same order,
      // finds the code or link used up (400). Not a deadlock's 500, nor even a 409.
      expect(statuses).toEqual([200, 400]);
      const login = await t.http.post('/login').send({ email, password: PASSWORD });
      expect(login.status).toBe(200);
      await t.app.get(RateLimitService).reset(`mail-cooldown:${email}`);
    }
  });
});
