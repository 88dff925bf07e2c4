"""Enterprise and social connections: edgeauth as the OAuth 2.0 / OpenID Connect client of another
provider (Auth0's `oidc` strategy), the user's identity linked by verified email."""
