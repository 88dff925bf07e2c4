"""Cloudflare Workers adapters: the only package of edgeauth that imports `js`, `pyodide` or
`workers` (Pyodide-only; never imported on CPython). See docs/cloudflare.md."""
