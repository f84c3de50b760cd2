import { GOOD_PASSWORD, uniqueEmail } from './support/factories';
import { eventually } from './support/eventually';
import { freePort } from './support/free-port';
import { OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver';
import { runEntry } from './support/run-server';
import { SmtpSink } from './support/smtp-sink';
import { TestDatabase } from './support/test-app';

const ROOT_USER = { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'tracing test root password' };
const SERVER_SPAN = 2;
const PROM_CLIENT_API = /^otel-loaded @opentelemetry\/api by .*\/node_modules\/prom-client\/lib\//;
const CLIENT_SPAN = 3;

/**
 * The real server (src/main.ts in its own process, as it is run), with OpenTelemetry on or off,
 * against the test database and an in-process SMTP sink. The preload reports every require of an
 * `@opentelemetry/*` package on stderr.
 */
async function startServer(env: Record<string, string>) {
  const database = await TestDatabase.create();
  const mail = await new SmtpSink().start();
  const port = await freePort();
  const run = await runEntry(
    'src/main.ts',
    {
      ...database.env,
      ...ROOT_USER,
      PORT: String(port),
      HOST: '127.0.0.1',
      SMTP_URL: mail.url,
      BCRYPT_COST: '10',
      LOG_LEVEL: 'warn',
      ...env,
    },
    {
      until: /Listening on|Could not start/,
      // A whole TypeScript start (ts-node): slow on a busy machine.
      timeoutMs: 150_000,
      preload: ['test/support/report-otel-loads.ts'],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  if (!/Listening on/.test(run.stdout)) throw new Error(`no start:\n${run.stdout}\n${run.stderr}`);
  return {
    base,
    mail,
    run,
    stop: async () => {
      await run.stop();
      await mail.stop();
      await database.drop();
    },
  };
}

type Server = Awaited<ReturnType<typeof startServer>>;

async function login(s: Server): Promise<Response> {
  const res = await fetch(`${s.base}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ROOT_USER.ADMIN_EMAIL, password: ROOT_USER.ADMIN_PASSWORD }),
  });
  expect(res.status).toBe(200);
  return res;
}

/** A sign-up: its confirmation mail goes through the outbox worker to the SMTP sink. */
async function signUpAndGetMail(s: Server): Promise<string> {
  const email = uniqueEmail('traced');
  const res = await fetch(`${s.base}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: GOOD_PASSWORD }),
  });
  expect(res.status).toBeLessThan(300);
  await s.mail.waitFor(() => s.mail.to(email).length > 0, 30_000);
  return email;
}

describe('traces over OTLP/HTTP (OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  it('sends the spans of a login (HTTP with the request id, its queries) and of an SMTP send', async () => {
    const receiver = await new OtlpReceiver().start();
    const s = await startServer({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      // Standard SDK variables: a service name of our own, and spans sent every 100 ms.
      OTEL_SERVICE_NAME: 'auth-under-test',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    try {
      expect(s.run.stderr).toMatch(
        /^otel-loaded @opentelemetry\/sdk-node by .*src\/telemetry\/tracing\.ts$/m,
      );

      const res = await login(s);
      const requestId = res.headers.get('x-request-id');
      expect(requestId).toBeTruthy();

      const loginSpan = await eventually(
        async () => receiver.spans.find((x) => x.kind === SERVER_SPAN && x.name === 'POST /login'),
        'the HTTP span of POST /login',
      );
      expect(loginSpan.attributes).toMatchObject({
        'http.route': '/login',
        'http.request.method': 'POST',
        'http.response.status_code': 200,
        request_id: requestId,
      });
      expect(loginSpan.resource['service.name']).toBe('auth-under-test');

      // The queries of that login, in its trace: `pg`'s spans, or the embedded driver's alike.
      const inLogin = (x: ReceivedSpan) =>
        x.traceId === loginSpan.traceId && x.kind === CLIENT_SPAN;
      const userLookup = (x: ReceivedSpan) =>
        /\bFROM\s+"users"/i.test(String(x.attributes['db.query.text']));
      const query = await eventually(
        async () =>
          receiver.spans.find((x) => inLogin(x) && x.name.startsWith('pg.query:') && userLookup(x)),
        'the span of the user lookup in the login trace',
      );
      expect(query.name).toMatch(/^pg\.query:SELECT\b/);
      expect(query.attributes['db.system.name']).toBe('postgresql');
      expect(receiver.spans.filter((x) => x.spanId === query.parentSpanId)).toHaveLength(1);

      // The link pages take their token in the query string; the span must not keep it.
      await fetch(`${s.base}/users/verify?token=NOT_A_REAL_TOKEN_7f3a9c`);
      const verify = await eventually(
        async () =>
          receiver.spans.find((x) => x.kind === SERVER_SPAN && x.name === 'GET /users/verify'),
        'the HTTP span of GET /users/verify',
      );
      expect(JSON.stringify(verify)).not.toContain('NOT_A_REAL_TOKEN_7f3a9c');
      expect(verify.attributes['url.query']).toBe('token=REDACTED');

      await signUpAndGetMail(s);
      const smtp = await eventually(
        async () => receiver.spans.find((x) => x.name === 'smtp send'),
        'the span of the SMTP send',
      );
      expect(smtp.kind).toBe(CLIENT_SPAN);
      expect(smtp.attributes).toMatchObject({
        'server.address': '127.0.0.1',
        'server.port': s.mail.port,
      });
      expect(typeof smtp.attributes['mail.outbox_id']).toBe('string');
    } finally {
      await s.stop();
      await receiver.stop();
    }
  }, 240_000);

  it('loads no OpenTelemetry code when the variable is unset, through a login and a mail', async () => {
    const s = await startServer({});
    try {
      await login(s);
      await signUpAndGetMail(s);
      const { stdout, stderr } = s.run.output();
      expect(stdout).toContain('Listening on');
      // The one exception: prom-client requires the API package (a no-op facade: no SDK, no
      // instrumentation, no context manager) for its exemplars, whether tracing is on or not.
      const loads = stderr.split('\n').filter((l) => l.startsWith('otel-loaded '));
      expect(loads.filter((l) => !PROM_CLIENT_API.test(l))).toEqual([]);
    } finally {
      await s.stop();
    }
  }, 240_000);
});
