// An OpenID Connect provider we did not write (npm `oidc-provider`, its development login and
// consent screens), for edgeauth's `oidc` connection tests. Configuration as JSON in argv[2]:
// {port, client_id, client_secret, redirect_uri, accounts: {id: claims}}. Prints "ready" when
// listening on 127.0.0.1.
import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2]);
const provider = new Provider(`http://127.0.0.1:${config.port}`, {
  clients: [{
    client_id: config.client_id,
    client_secret: config.client_secret,
    redirect_uris: [config.redirect_uri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  async findAccount(ctx, id) {
    const claims = config.accounts[id];
    return claims && { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'nickname', 'picture'],
  },
  // The standard claims in the ID token itself (edgeauth reads them there, as Auth0 does).
  conformIdTokenClaims: false,
  cookies: { keys: ['edgeauth-tests'] },
});
provider.listen(config.port, '127.0.0.1', () => console.log('ready'));
