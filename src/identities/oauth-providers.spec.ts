import { Logger } from '@nestjs/common';
import { loadSettings } from '../config/settings';
import { OAuthProviders } from './oauth-providers.service';

const CORP = {
  PUBLIC_URL: 'https://auth.example.com',
  OAUTH_PROVIDERS: 'corp',
  OAUTH_CORP_CLIENT_ID: 'the-app',
  OAUTH_CORP_CLIENT_SECRET: 'corp-secret',
  OAUTH_CORP_ISSUER: 'https://sso.example.com',
};

/** What OAuthProviders says at start for these settings. */
function warningsAtStart(env: Record<string, string>): string[] {
  const s = loadSettings(env);
  const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  try {
    new OAuthProviders(s.oauth, s.app).onModuleInit();
    return warn.mock.calls.map(([message]) => String(message));
  } finally {
    warn.mockRestore();
  }
}

describe("OAuthProviders at start: the server's own pages as redirect_to", () => {
  it('says nothing when OAUTH_REDIRECT_URLS is left to PUBLIC_URL, or when no provider is set', () => {
    expect(warningsAtStart(CORP)).toEqual([]);
    expect(warningsAtStart({ OAUTH_REDIRECT_URLS: 'https://app.example.com/back' })).toEqual([]);
  });

  it('names the pages a list of its own leaves out', () => {
    const only = {
      ...CORP,
      OAUTH_REDIRECT_URLS: 'https://app.example.com/back,https://auth.example.com/account',
    };
    expect(warningsAtStart(only)).toEqual([
      expect.stringContaining('does not allow https://auth.example.com/admin:'),
    ]);
    const none = { ...CORP, OAUTH_REDIRECT_URLS: 'https://app.example.com/back' };
    expect(warningsAtStart(none)).toEqual([
      expect.stringContaining(
        'https://auth.example.com/account and https://auth.example.com/admin',
      ),
    ]);
  });
});
