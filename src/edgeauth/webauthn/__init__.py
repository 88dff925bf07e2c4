"""Web Authentication (W3C WebAuthn Level 2) for security keys, platform authenticators and
passkeys: the ceremonies' checks in plain Python, signatures through the `Crypto` port."""
