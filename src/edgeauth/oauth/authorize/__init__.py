"""`GET /authorize` (RFC 6749 §4.1.1, §4.2.1; OpenID Connect Core §3): rules, then a response."""
