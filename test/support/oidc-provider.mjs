// A real OpenID Connect provider (the `oidc-provider` library) for the provider sign-in specs,
// run as its own Node process: it is an ES module with ES-module dependencies, which the jest
// runtime of this project does not load on every Node line. Listens on 127.0.0.1, a free port;
// prints {"issuer": ...} as its first line of output, then serves until killed.
//
// Arguments: client id, client secret, redirect URI. Accounts need no set-up: the login typed on
// the login page is `<subject>~<email>~<1|0>` (the last part: whether the address is verified).
import { createServer } from 'node:http';
import process from 'node:process';
import Provider from 'oidc-provider';

const [clientId, clientSecret, redirectUri] = process.argv.slice(2);

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  cookies: { keys: ['provider-spec-cookie-key'] },
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    const [, email, verified] = id.split('~');
    return {
      accountId: id,
      async claims() {
        return { sub: id, email, email_verified: verified === '1', name: 'Test Person' };
      },
    };
  },
});
// The dev interactions warn that they are for development; this is a test.
provider.on('server_error', (_ctx, err) => process.stderr.write(`oidc-provider: ${err}\n`));
server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
