"""Edgeauth: an Auth0-compatible OAuth 2.0 / OpenID Connect server for Cloudflare Python Workers."""
