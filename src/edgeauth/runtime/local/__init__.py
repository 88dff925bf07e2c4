"""The embedded local runtime: the Worker's bindings on SQLite files (see `host.LocalRuntime`)."""
