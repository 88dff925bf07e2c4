// openid-client v6 (panva) as a relying party of edgeauth, driven by tests/test_openid_client.py.
//
// argv[2] is JSON: {issuer, client_id, client_secret?, auth: "none"|"post"|"basic", redirect_uri,
// scope, pkce: bool, max_age?}. The script prints one JSON line with the authorization URL, reads
// the callback URL (the test plays the browser) from stdin, then prints one JSON line with what
// openid-client accepted: it validates the discovery document, the callback (state, iss), the
// token response and the ID token (signature, iss, aud, exp, iat, sub, nonce, auth_time).
import { createInterface } from 'node:readline';
import * as client from 'openid-client';

const options = JSON.parse(process.argv[2]);

function emit(value) {
  process.stdout.write(JSON.stringify(value) + '\n');
}

function clientAuthentication() {
  switch (options.auth) {
    case 'post':
      return client.ClientSecretPost(options.client_secret);
    case 'basic':
      return client.ClientSecretBasic(options.client_secret);
    default:
      return client.None();
  }
}

async function main() {
  // http:// is only allowed because this is a test against a local server.
  const config = await client.discovery(
    new URL(options.issuer),
    options.client_id,
    undefined,
    clientAuthentication(),
    { execute: [client.allowInsecureRequests] },
  );
  // Also verify the ID token's RS256 signature with the issuer's JWKS (off by default over TLS).
  client.enableNonRepudiationChecks(config);

  const checks = {
    expectedState: client.randomState(),
    expectedNonce: client.randomNonce(),
    idTokenExpected: true,
  };
  const parameters = {
    redirect_uri: options.redirect_uri,
    scope: options.scope,
    state: checks.expectedState,
    nonce: checks.expectedNonce,
  };
  if (options.pkce) {
    checks.pkceCodeVerifier = client.randomPKCECodeVerifier();
    parameters.code_challenge = await client.calculatePKCECodeChallenge(checks.pkceCodeVerifier);
    parameters.code_challenge_method = 'S256';
  }
  if (options.max_age !== undefined) {
    checks.maxAge = options.max_age;
    parameters.max_age = String(options.max_age);
  }
  const url = client.buildAuthorizationUrl(config, parameters);
  emit({ authorization_url: url.href, issuer: config.serverMetadata().issuer });

  const lines = createInterface({ input: process.stdin });
  const callback = (await lines[Symbol.asyncIterator]().next()).value;
  lines.close();

  const tokens = await client.authorizationCodeGrant(config, new URL(callback), checks);
  const claims = tokens.claims();
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  const result = {
    claims,
    token_type: tokens.token_type,
    scope: tokens.scope,
    expires_in: tokens.expiresIn(),
    userinfo,
  };
  if (tokens.refresh_token) {
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
    result.refresh = {
      rotated: refreshed.refresh_token !== tokens.refresh_token && Boolean(refreshed.refresh_token),
      claims: refreshed.claims(),
    };
  }
  emit(result);
}

main().catch((error) => {
  // ResponseBodyError carries the server's OAuth error body as `error` / `error_description`.
  emit({
    error: error.code || error.name,
    message: error.message,
    oauth_error: error.error ?? null,
    oauth_error_description: error.error_description ?? null,
    // WWWAuthenticateChallengeError: the error as the server's challenge states it (RFC 6750 §3).
    challenge_error: (Array.isArray(error.cause) && error.cause[0]?.parameters?.error) || null,
    challenge_description: (Array.isArray(error.cause) && error.cause[0]?.parameters?.error_description) || null,
  });
  process.exitCode = 1;
});
