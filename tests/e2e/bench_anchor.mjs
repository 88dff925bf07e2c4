// The benchmark's anchor (bench/run.py): npm `oidc-provider` as a team would run it for machine
// clients: one confidential client, one RS256 key, client_credentials issuing RS256 JWT access
// tokens for one API. Configuration as JSON in argv[2]: {port, client_id, client_secret, audience}.
// Prints "ready" when listening on 127.0.0.1.
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2]);
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const resourceServer = {
  audience: config.audience,
  scope: 'read write',
  accessTokenFormat: 'jwt',
  accessTokenTTL: 86400,
  jwt: { sign: { alg: 'RS256' } },
};
const provider = new Provider(`http://127.0.0.1:${config.port}`, {
  clients: [{
    client_id: config.client_id,
    client_secret: config.client_secret,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'bench', use: 'sig', alg: 'RS256' }] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => config.audience,
      useGrantedResource: () => true,
      getResourceServerInfo: () => resourceServer,
    },
  },
});
provider.listen(config.port, '127.0.0.1', () => console.log('ready'));
