// What the edge host needs from wrangler.toml (top level, no [env.*]), read with Python's own
// `tomllib` inside Pyodide: no TOML parser in node_modules, and loading wrangler's (its config
// API) costs ~1.5 s of boot. Relative paths resolve against the config's folder, as wrangler does.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

// `wrangler dev` reads these from .dev.vars; the tests address tenants as {tenant}.localhost.
// Served over http on the harness's port (host.mjs adds PUBLIC_PORT), loopback hosts for the default tenant.
export const LOCAL_VARS = {
  DEFAULT_TENANT: "default",
  BASE_DOMAIN: "localhost",
  PUBLIC_SCHEME: "http",
  DEFAULT_HOSTS: "127.0.0.1,[::1]",
};

export function readWranglerConfig(py, path) {
  const parse = py.runPython("lambda text: __import__('json').dumps(__import__('tomllib').loads(text))");
  let raw;
  try {
    raw = JSON.parse(parse(readFileSync(path, "utf8")));
  } finally {
    parse.destroy();
  }
  const root = dirname(resolve(path));
  const queues = raw.queues ?? {};
  return {
    name: raw.name ?? "worker",
    main: raw.main ?? "entry.py",
    vars: { ...Object.fromEntries(Object.entries(raw.vars ?? {}).map(([k, v]) => [k, String(v)])), ...LOCAL_VARS },
    kvNamespaces: (raw.kv_namespaces ?? []).map((kv) => kv.binding),
    d1Databases: (raw.d1_databases ?? []).map((db) => ({
      binding: db.binding,
      databaseName: db.database_name ?? db.binding,
      migrationsDir: resolve(root, db.migrations_dir ?? "migrations"),
    })),
    durableObjects: (raw.durable_objects?.bindings ?? []).map((b) => ({ binding: b.name, className: b.class_name })),
    queueProducers: (queues.producers ?? []).map((p) => ({ binding: p.binding, queue: p.queue })),
    // Cloudflare's defaults for omitted settings.
    queueConsumers: (queues.consumers ?? []).map((c) => ({
      queue: c.queue,
      maxBatchSize: c.max_batch_size ?? 10,
      maxBatchTimeout: c.max_batch_timeout ?? 5,
      maxRetries: c.max_retries ?? 3,
      deadLetterQueue: c.dead_letter_queue,
      retryDelay: c.retry_delay,
    })),
    crons: raw.triggers?.crons ?? [],
  };
}
