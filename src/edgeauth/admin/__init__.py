"""The admin service layer: every configuration change goes through here (CLI now, Management API later).

Each write commits to D1 (the source of truth) first, then republishes the KV snapshot the
Authentication API reads (design.md, "Consistency rules").
"""
