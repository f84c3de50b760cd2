import { loadSettings } from './settings';

const GOOGLE = {
  OAUTH_PROVIDERS: 'google',
  OAUTH_GOOGLE_CLIENT_ID: 'id.apps.googleusercontent.com',
  OAUTH_GOOGLE_CLIENT_SECRET: 's3cr3t-from-the-console',
};

describe('provider sign-in settings (OAUTH_*)', () => {
  it('has no providers unless OAUTH_PROVIDERS names some, and returns to PUBLIC_URL', () => {
    const s = loadSettings({ PUBLIC_URL: 'https://auth.example.com/' });
    expect(s.oauth.providers).toEqual([]);
    expect(s.oauth.redirectUrls).toEqual(['https://auth.example.com']);
  });

  it('fills the google preset: OpenID Connect at accounts.google.com', () => {
    const [google] = loadSettings(GOOGLE).oauth.providers;
    expect(google).toMatchObject({
      name: 'google',
      displayName: 'Google',
      kind: 'oidc',
      issuer: 'https://accounts.google.com',
      scopes: ['openid', 'email', 'profile'],
      allowHttp: false,
    });
  });

  it('fills the github preset with its endpoints, each of which may be set', () => {
    const [github] = loadSettings({
      OAUTH_PROVIDERS: 'GitHub',
      OAUTH_GITHUB_CLIENT_ID: 'Iv1.abc',
      OAUTH_GITHUB_CLIENT_SECRET: 'shhh',
      OAUTH_GITHUB_API_URL: 'https://github.example.com/api/v3/',
    }).oauth.providers;
    expect(github).toMatchObject({
      name: 'github',
      kind: 'github',
      scopes: ['read:user', 'user:email'],
      github: {
        authorizationUrl: 'https://github.com/login/oauth/authorize',
        tokenUrl: 'https://github.com/login/oauth/access_token',
        apiUrl: 'https://github.example.com/api/v3',
      },
    });
  });

  it('stops the start naming the variable a provider lacks', () => {
    expect(() => loadSettings({ ...GOOGLE, OAUTH_GOOGLE_CLIENT_SECRET: '' })).toThrow(
      /OAUTH_GOOGLE_CLIENT_SECRET: required/,
    );
    expect(() =>
      loadSettings({
        OAUTH_PROVIDERS: 'corp',
        OAUTH_CORP_CLIENT_ID: 'a',
        OAUTH_CORP_CLIENT_SECRET: 'b',
      }),
    ).toThrow(/OAUTH_CORP_ISSUER: required/);
  });

  it('takes an issuer over https, or http on a loopback address only', () => {
    const corp = {
      OAUTH_PROVIDERS: 'corp',
      OAUTH_CORP_CLIENT_ID: 'a',
      OAUTH_CORP_CLIENT_SECRET: 'b',
    };
    expect(
      loadSettings({ ...corp, OAUTH_CORP_ISSUER: 'http://127.0.0.1:8080' }).oauth.providers[0]
        .allowHttp,
    ).toBe(true);
    expect(() => loadSettings({ ...corp, OAUTH_CORP_ISSUER: 'http://idp.example.com' })).toThrow(
      /OAUTH_CORP_ISSUER: expected an https:\/\/ URL/,
    );
    expect(() =>
      loadSettings({
        ...corp,
        OAUTH_CORP_ISSUER: 'https://idp.example.com',
        OAUTH_CORP_SCOPES: 'email',
      }),
    ).toThrow(/OAUTH_CORP_SCOPES/);
  });

  it('refuses a provider name that cannot be a variable name, and redirect URLs that are not URLs', () => {
    expect(() => loadSettings({ OAUTH_PROVIDERS: 'my-idp' })).toThrow(/OAUTH_PROVIDERS/);
    expect(() => loadSettings({ OAUTH_REDIRECT_URLS: 'app.example.com/back' })).toThrow(
      /OAUTH_REDIRECT_URLS/,
    );
  });
});
