"""The configuration service layer: every configuration change of the CLI and the Management API.

Each write commits to D1 (the source of truth) first, then republishes the KV snapshot the
Authentication API reads (docs/architecture.md, "Storage and consistency").
"""
