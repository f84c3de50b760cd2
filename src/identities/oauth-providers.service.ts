import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import * as oidc from 'openid-client';
import { appConfig, type AppConfig, oauthConfig, type OAuthConfig } from '../config/config';
import type { OAuthProviderSettings } from '../config/settings';
import { allowedRedirect } from './redirect-target';

/** What a provider told about the person who signed in there. */
export interface ProviderProfile {
  /** The provider's stable id of the person (`sub`, or GitHub's numeric user id). */
  subject: string;
  email: string | null;
  /** The provider says it verified `email` (only `true` counts, never a string). */
  emailVerified: boolean;
}

/** The secrets of one sign-in, kept in the browser's flow cookie between the two redirects. */
export interface FlowSecrets {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Why a provider sign-in failed, as the `error` the app gets back on its `redirect_to`. */
export type ProviderFailure = 'provider_error' | 'provider_unavailable' | 'access_denied';

export class ProviderFailed extends Error {
  constructor(
    readonly code: ProviderFailure,
    cause?: unknown,
  ) {
    super(code, { cause });
  }
}

/** How long a request to a provider may take. */
const PROVIDER_TIMEOUT_S = 10;

/**
 * The protocol side of sign-in with another provider, all of it through openid-client: the
 * authorization request (PKCE S256, `state`, and `nonce` for OpenID Connect), the code exchange,
 * and the ID token's checks (signature by the provider's JWKS, `iss`, `aud`, `exp`, `nonce`).
 *
 * An OpenID Connect provider's metadata is discovered at its first use, not at start, so a
 * provider that is down does not stop the server; a failed discovery is tried again at the next
 * sign-in, and a good one is kept. GitHub speaks OAuth 2 without ID tokens: its endpoints are
 * known, and the person comes from its `/user` and `/user/emails` API.
 */
@Injectable()
export class OAuthProviders implements OnModuleInit {
  private readonly logger = new Logger(OAuthProviders.name);
  private readonly configurations = new Map<string, Promise<oidc.Configuration>>();

  constructor(
    @Inject(oauthConfig.KEY) private readonly cfg: OAuthConfig,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
  ) {}

  /**
   * The server's own pages offer the providers with redirect_to = their own address; when
   * OAUTH_REDIRECT_URLS leaves one out, its buttons would end in 400 invalid_redirect: said at
   * start, so the operator adds it (or knows).
   */
  onModuleInit(): void {
    if (!this.cfg.providers.length || !this.app.publicUrl) return;
    const origin = new URL(this.app.publicUrl).origin;
    const refused = ['/account', '/admin']
      .map((path) => `${origin}${path}`)
      .filter((page) => !allowedRedirect(page, this.cfg.redirectUrls));
    if (refused.length) {
      this.logger.warn(
        `OAUTH_REDIRECT_URLS does not allow ${refused.join(' and ')}: sign-in through a ` +
          'provider will fail there with 400 invalid_redirect until it is added.',
      );
    }
  }

  list(): OAuthProviderSettings[] {
    return this.cfg.providers;
  }

  find(name: string): OAuthProviderSettings | undefined {
    return this.cfg.providers.find((p) => p.name === name);
  }

  /** The URL to register at the provider as the redirect (callback) URL. */
  callbackUrl(p: OAuthProviderSettings): string {
    return `${this.app.publicUrl}/login/oauth/${p.name}/callback`;
  }

  static newSecrets(): FlowSecrets {
    return {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
    };
  }

  /** Where to send the browser: the provider's authorization endpoint with this flow's checks. */
  async authorizationUrl(p: OAuthProviderSettings, secrets: FlowSecrets): Promise<string> {
    const config = await this.configuration(p);
    const params: Record<string, string> = {
      redirect_uri: this.callbackUrl(p),
      scope: p.scopes.join(' '),
      state: secrets.state,
      code_challenge: await oidc.calculatePKCECodeChallenge(secrets.codeVerifier),
      code_challenge_method: 'S256',
    };
    if (p.kind === 'oidc') params.nonce = secrets.nonce;
    return oidc.buildAuthorizationUrl(config, params).href;
  }

  /**
   * The provider's answer at the callback (`query`), checked and exchanged: the person it names.
   * The caller compared `state` with the flow cookie's already; the library checks it again.
   */
  async finish(
    p: OAuthProviderSettings,
    query: URLSearchParams,
    secrets: FlowSecrets,
  ): Promise<ProviderProfile> {
    const config = await this.configuration(p);
    const current = new URL(`${this.callbackUrl(p)}?${query.toString()}`);
    try {
      const tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: secrets.codeVerifier,
        expectedState: secrets.state,
        ...(p.kind === 'oidc' ? { expectedNonce: secrets.nonce, idTokenExpected: true } : {}),
      });
      return p.kind === 'github'
        ? await this.githubProfile(p, tokens.access_token)
        : await this.oidcProfile(config, tokens);
    } catch (e) {
      if (e instanceof ProviderFailed) throw e;
      // The provider's reasons go to the log, not to the app (they may name its internals).
      this.logger.warn(`sign-in with ${p.name} failed: ${describe(e)}`);
      throw new ProviderFailed('provider_error', e);
    }
  }

  private async oidcProfile(
    config: oidc.Configuration,
    tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>,
  ): Promise<ProviderProfile> {
    const claims = tokens.claims();
    if (!claims) throw new ProviderFailed('provider_error');
    let email = typeof claims.email === 'string' ? claims.email : null;
    let verified = claims.email_verified === true;
    // Many providers put the address in the UserInfo answer only (its `sub` must be the token's).
    if (email === null && config.serverMetadata().userinfo_endpoint) {
      const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      email = typeof info.email === 'string' ? info.email : null;
      verified = info.email_verified === true;
    }
    return { subject: claims.sub, email, emailVerified: email !== null && verified };
  }

  /** GitHub's person: the numeric id of `/user`, and the primary address of `/user/emails`. */
  private async githubProfile(p: OAuthProviderSettings, token: string): Promise<ProviderProfile> {
    const api = p.github!.apiUrl;
    const get = async (path: string): Promise<unknown> => {
      const res = await fetch(`${api}${path}`, {
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/vnd.github+json',
          'X-GitHub-Api-Version': '2022-11-28',
          'User-Agent': this.app.appName,
        },
        redirect: 'error',
        signal: AbortSignal.timeout(PROVIDER_TIMEOUT_S * 1000),
      });
      if (!res.ok) throw new Error(`GitHub ${path} answered ${res.status}`);
      return res.json();
    };
    const user = (await get('/user')) as { id?: unknown };
    if (typeof user?.id !== 'number' && typeof user?.id !== 'string') {
      throw new Error('GitHub /user gave no id');
    }
    const emails = await get('/user/emails');
    const list = Array.isArray(emails)
      ? (emails as { email?: unknown; primary?: unknown; verified?: unknown }[])
      : [];
    const primary = list.find((e) => e?.primary === true && typeof e.email === 'string');
    return {
      subject: String(user.id),
      email: (primary?.email as string | undefined) ?? null,
      emailVerified: primary?.verified === true,
    };
  }

  /** The provider's openid-client configuration: discovered once, again after a failure. */
  private configuration(p: OAuthProviderSettings): Promise<oidc.Configuration> {
    let found = this.configurations.get(p.name);
    if (!found) {
      found = this.makeConfiguration(p);
      this.configurations.set(p.name, found);
      found.catch(() => this.configurations.delete(p.name));
    }
    return found;
  }

  private async makeConfiguration(p: OAuthProviderSettings): Promise<oidc.Configuration> {
    const execute = p.allowHttp ? [oidc.allowInsecureRequests] : [];
    if (p.kind === 'github') {
      const gh = p.github!;
      const config = new oidc.Configuration(
        {
          issuer: 'https://github.com',
          authorization_endpoint: gh.authorizationUrl,
          token_endpoint: gh.tokenUrl,
        },
        p.clientId,
        p.clientSecret,
      );
      for (const step of execute) step(config);
      config.timeout = PROVIDER_TIMEOUT_S;
      return config;
    }
    try {
      const config = await oidc.discovery(
        new URL(p.issuer!),
        p.clientId,
        p.clientSecret,
        undefined,
        {
          execute,
          timeout: PROVIDER_TIMEOUT_S,
        },
      );
      config.timeout = PROVIDER_TIMEOUT_S;
      return config;
    } catch (e) {
      this.logger.warn(`discovery of ${p.name} (${p.issuer}) failed: ${describe(e)}`);
      throw new ProviderFailed('provider_unavailable', e);
    }
  }
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const { error, code } = e as { code?: unknown; error?: unknown };
  const reason = typeof error === 'string' ? error : typeof code === 'string' ? code : undefined;
  return `${e.name}: ${e.message}${reason ? ` (${reason})` : ''}`;
}
