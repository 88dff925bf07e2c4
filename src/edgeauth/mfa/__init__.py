"""Multi-factor authentication as Auth0 (Guardian) exposes it: the tenant's factors and policy,
one-time passwords, and the MFA API of embedded and resource-owner logins (docs/mfa.md)."""
