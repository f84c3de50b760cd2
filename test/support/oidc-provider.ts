import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A real OpenID Connect provider in its own process (./oidc-provider.mjs), on 127.0.0.1. */
export class TestOidcProvider {
  private constructor(
    private readonly child: ChildProcess,
    readonly issuer: string,
  ) {}

  static async start(
    clientId: string,
    clientSecret: string,
    redirectUri: string,
  ): Promise<TestOidcProvider> {
    const child = spawn(
      process.execPath,
      [join(__dirname, 'oidc-provider.mjs'), clientId, clientSecret, redirectUri],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'development' } },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const first = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        if (line.startsWith('{"issuer"')) resolve(line);
      });
      child.once('exit', (code) => reject(new Error(`oidc-provider exited (${code}): ${stderr}`)));
    });
    const { issuer } = JSON.parse(first) as { issuer: string };
    return new TestOidcProvider(child, issuer);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill();
    await exited;
  }
}

/** A browser's cookies, as far as these specs need them (names and values, no paths). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(setCookies: string[] | undefined): void {
    for (const line of setCookies ?? []) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

/**
 * Walks a browser through the provider from its authorization URL: the login page (typing
 * `login`), the consent page (or its "cancel" when `deny`), until the provider redirects to a URL
 * starting with `until`, which it answers.
 */
export async function throughProvider(
  authorizationUrl: string,
  opts: { login: string; until: string; deny?: boolean; jar?: CookieJar },
): Promise<string> {
  const jar = opts.jar ?? new CookieJar();
  let url = authorizationUrl;
  for (let step = 0; step < 12; step++) {
    let res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.store(res.headers.getSetCookie());
    if (res.status === 200) {
      // An interaction page: answer its form.
      const html = await res.text();
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
      if (!prompt) throw new Error(`no form on ${url}: ${html.slice(0, 300)}`);
      if (opts.deny && prompt === 'consent') {
        url = `${url.replace(/\/$/, '')}/abort`;
        continue;
      }
      const form = new URLSearchParams({ prompt });
      if (prompt === 'login') form.set('login', opts.login);
      res = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      });
      jar.store(res.headers.getSetCookie());
    }
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) {
      throw new Error(`provider answered ${res.status} at ${url}: ${await res.text()}`);
    }
    url = new URL(location, url).href;
    if (url.startsWith(opts.until)) return url;
  }
  throw new Error('the provider never sent the browser back');
}
