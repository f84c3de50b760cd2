import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { createUser, uniqueEmail } from './support/factories';
import { startApp, TestApp } from './support/test-app';

/**
 * Forgot-password, resend and the sign-in code must not take longer for an address with an account: the same
 * statements run for both (the mail's are rehearsed and undone for the unknown address). Timing
 * itself is measured by bench, never asserted; here the work is compared statement by statement.
 */
describe('the same work for known and unknown addresses', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.destroy());
  afterEach(() => jest.restoreAllMocks());

  /** The SQL a request ran, without the savepoint that undoes a rehearsal. */
  async function statementsOf(send: () => Promise<unknown>): Promise<string[]> {
    const seen: string[] = [];
    const original = PostgresQueryRunner.prototype.query;
    jest.spyOn(PostgresQueryRunner.prototype, 'query').mockImplementation(function (
      this: PostgresQueryRunner,
      ...args
    ) {
      seen.push(args[0]);
      return original.apply(this, args);
    });
    await send();
    jest.restoreAllMocks();
    return (
      seen
        // The mail and webhook workers claim and settle in the background, whatever the request did.
        .filter((q) => !/SAVEPOINT|UPDATE mail_outbox|webhook_deliveries/.test(q))
        .map((q) => q.replace(/\s+/g, ' ').trim())
    );
  }

  it('runs the same statements for POST /password/forgot', async () => {
    const known = await createUser(t);
    const forKnown = await statementsOf(() =>
      t.http.post('/password/forgot').send({ email: known.email }).expect(202),
    );
    const forUnknown = await statementsOf(() =>
      t.http
        .post('/password/forgot')
        .send({ email: uniqueEmail('nobody') })
        .expect(202),
    );
    expect(forKnown.some((q) => /INSERT INTO "mail_outbox"/.test(q))).toBe(true);
    expect(forUnknown).toEqual(forKnown);
  });

  it('runs the same statements for POST /login/code, known, unknown or blocked', async () => {
    const known = await createUser(t);
    const blocked = await createUser(t, { isActive: false });
    const ask = (email: string) => () => t.http.post('/login/code').send({ email }).expect(202);
    const forKnown = await statementsOf(ask(known.email));
    const forUnknown = await statementsOf(ask(uniqueEmail('nobody')));
    const forBlocked = await statementsOf(ask(blocked.email));
    expect(forKnown.some((q) => /INSERT INTO "mail_outbox"/.test(q))).toBe(true);
    expect(forUnknown).toEqual(forKnown);
    expect(forBlocked).toEqual(forKnown);
  });

  it('runs the same statements for POST /register/resend', async () => {
    const unconfirmed = await createUser(t, { isConfirmed: false });
    const forKnown = await statementsOf(() =>
      t.http.post('/register/resend').send({ email: unconfirmed.email }).expect(202),
    );
    const forUnknown = await statementsOf(() =>
      t.http
        .post('/register/resend')
        .send({ email: uniqueEmail('nobody') })
        .expect(202),
    );
    expect(forKnown.some((q) => /INSERT INTO "mail_outbox"/.test(q))).toBe(true);
    expect(forUnknown).toEqual(forKnown);
  });
});
