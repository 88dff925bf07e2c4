"""Runtime adapters: `local` (embedded default on CPython) and `cloudflare` (Workers bindings)."""
