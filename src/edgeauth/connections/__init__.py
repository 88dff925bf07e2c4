"""Connections (Auth0): where users come from. The names and strategies every layer shares.

The database connection is Auth0's `Username-Password-Authentication` (strategy `auth0`); the
passwordless email one has strategy `email`; the upstream strategies (OpenID Connect, OAuth 2.0
and the social presets) are in `edgeauth.connections.strategies`.
"""

from __future__ import annotations

from edgeauth.connections.strategies import STRATEGIES as UPSTREAM_STRATEGIES

__all__ = [
    "DATABASE_CONNECTION",
    "DATABASE_STRATEGY",
    "EMAIL_CONNECTION",
    "EMAIL_STRATEGY",
    "SUPPORTED_STRATEGIES",
    "UPSTREAM_STRATEGIES",
]

DATABASE_CONNECTION = "Username-Password-Authentication"
DATABASE_STRATEGY = "auth0"
EMAIL_STRATEGY = "email"
# Auth0's passwordless email connection: its name, and the provider of the identities it makes.
EMAIL_CONNECTION = "email"
# What the server can log users in with: the database, passwordless email, and the upstream
# strategies. Anything else (samlp, waad, okta, sms…) is refused rather than stored inert.
SUPPORTED_STRATEGIES = frozenset({DATABASE_STRATEGY, EMAIL_STRATEGY, *UPSTREAM_STRATEGIES})
