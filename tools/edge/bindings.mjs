// KV, D1 and Queues from Miniflare's Node API, handed to Python as objects whose JS classes are
// named like the real bindings (tools/edge/README.md).
//
// Why wrappers: Miniflare's Node-side bindings are Proxy stubs whose `constructor.name` is
// "constructor", so the SDK's `_EnvWrapper` would not recognise them and would skip its
// conversions (`results` not subscriptable, dicts sent as PyProxies). A `KvNamespace` /
// `D1Database` / `WorkerQueue` class here forwards to the stub, so Python takes the SDK's
// production code path. Every property read on a Miniflare stub is a synchronous round trip to
// workerd (it blocks this thread), so D1 statements are built here and each execution
// (`first/all/run/raw/batch/exec`) is one asynchronous request to the forwarder worker below,
// which runs it on its own D1 binding: one round trip, however many statements a batch holds.
//
// Queue delivery: Miniflare delivers batches only to a worker inside workerd, so that worker is a
// tiny JS forwarder whose `queue()` posts the batch to this process (a Node service binding) and
// applies the per-message decisions the Python consumer made. Bodies cross that hop as JSON,
// which is what the adapter sends (contentType "json"); "bytes"/"v8" bodies would not survive.
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Log, LogLevel, Miniflare } from "miniflare";

import { assertNotGlobalScope } from "./global_scope.mjs";

// The forwarder's compatibility date only has to be one this workerd supports.
const FORWARDER_COMPATIBILITY_DATE = "2025-09-01";
// wrangler.toml's max_batch_timeout (5 s) would make every queue test wait that long.
const MAX_BATCH_TIMEOUT_SECONDS = 1;

const FORWARDER = `
const blob = (param) => (param && typeof param === "object" ? new Uint8Array(param.bytes) : param);

export default {
  async fetch(request, env) {
    if (request.method !== "POST" || new URL(request.url).pathname !== "/d1") {
      return new Response("edge host forwarder", { status: 404 });
    }
    const { binding, op, statements, args } = await request.json();
    const db = env[binding];
    const prepare = ({ sql, params }) =>
      params.length ? db.prepare(sql).bind(...params.map(blob)) : db.prepare(sql);
    try {
      const result =
        op === "batch" ? await db.batch(statements.map(prepare))
        : op === "exec" ? await db.exec(statements[0].sql)
        : await prepare(statements[0])[op](...args);
      return Response.json({ result: result ?? null });
    } catch (error) {
      return Response.json({ error: String(error?.message ?? error) }, { status: 500 });
    }
  },
  async queue(batch, env) {
    const messages = batch.messages.map((m) => ({
      id: m.id, body: m.body, attempts: m.attempts, timestamp: m.timestamp.getTime(),
    }));
    const response = await env.EDGE_HOST.fetch("http://edge-host/queue", {
      method: "POST",
      body: JSON.stringify({ queue: batch.queue, messages }),
    });
    if (!response.ok) throw new Error(await response.text());  // retries the whole batch
    const decisions = await response.json();
    for (const message of batch.messages) {
      const decision = decisions[message.id];
      if (decision && decision.retry) message.retry(decision.retry);
      else message.ack();
    }
  },
};
`;

// The methods each binding class exposes (anything else reads as undefined, as Pyodide probes
// objects for `then`, `next`, `length`... when it wraps them).
const BINDING_METHODS = {
  KvNamespace: ["get", "getWithMetadata", "put", "list", "delete"],
  WorkerQueue: ["send", "sendBatch"],
};

/** A JS object of class `className` forwarding method calls to the (late-bound) Miniflare stub. */
// Calls made through each KV / queue binding, by method: `GET /cdn-cgi/edgeauth/bindings`.
export const bindingCalls = {};

function namedBinding(className, bindingName, stub) {
  const calls = (bindingCalls[bindingName] = {});
  const NamedClass = { [className]: class {} }[className];
  // Reading a method off the stub is itself a round trip to workerd: do it once per method.
  const remote = new Map(BINDING_METHODS[className].map((key) => [key, stub.then((target) => target[key].bind(target))]));
  for (const promise of remote.values()) promise.catch(() => {}); // awaited by the calls below
  const methods = new Map(
    BINDING_METHODS[className].map((key) => [
      key,
      (...args) => {
        assertNotGlobalScope(`env.${bindingName}.${key}()`); // synchronously, as the runtime throws
        calls[key] = (calls[key] ?? 0) + 1;
        return remote.get(key).then((method) => method(...args));
      },
    ]),
  );
  return new Proxy(new NamedClass(), {
    get(_target, key) {
      if (key === "constructor") return NamedClass;
      return typeof key === "string" ? methods.get(key) : undefined;
    },
    has(_target, key) {
      return methods.has(key);
    },
  });
}

/** A statement as the forwarder takes it: BLOB parameters (bytes) as `{bytes: [...]}`. */
function wireStatement(sql, params) {
  return {
    sql,
    params: params.map((p) => (ArrayBuffer.isView(p) ? { bytes: Array.from(new Uint8Array(p.buffer, p.byteOffset, p.byteLength)) } : p)),
  };
}

/** `env.DB.prepare(sql)`: recorded here, sent to the forwarder only when executed. */
class D1PreparedStatement {
  #database;
  #sql;
  #params;

  constructor(database, sql, params = []) {
    this.#database = database;
    this.#sql = sql;
    this.#params = params;
  }

  bind(...params) {
    return new D1PreparedStatement(this.#database, this.#sql, params);
  }

  first(column) {
    return this.#database.execute("first", [this], column === undefined ? [] : [column]);
  }

  all() {
    return this.#database.execute("all", [this]);
  }

  run() {
    return this.#database.execute("run", [this]);
  }

  raw(options) {
    return this.#database.execute("raw", [this], options === undefined ? [] : [options]);
  }

  static wire(statement) {
    return wireStatement(statement.#sql, statement.#params);
  }
}

class D1Database {
  #bindingName;
  #forwarder;

  /** `forwarder(body)` posts one D1 call to the forwarder worker once Miniflare is up. */
  constructor(bindingName, forwarder) {
    this.#bindingName = bindingName;
    this.#forwarder = forwarder;
  }

  /** One D1 call on the forwarder's binding; throws synchronously within global scope, and
   * rejects with D1's own message when D1 refuses the statement. Not a D1 method. */
  execute(op, statements, args = []) {
    assertNotGlobalScope(`env.${this.#bindingName}: ${op}()`);
    const body = { binding: this.#bindingName, op, statements: statements.map((s) => D1PreparedStatement.wire(s)), args };
    return this.#forwarder(body).then(async (response) => {
      const { result, error } = await response.json();
      if (error !== undefined) throw new Error(error);
      return result;
    });
  }

  prepare(sql) {
    return new D1PreparedStatement(this, sql);
  }

  batch(statements) {
    return this.execute("batch", statements);
  }

  exec(sql) {
    return this.execute("exec", [new D1PreparedStatement(this, sql)]);
  }
}

/**
 * Apply the migrations folder in file-name order, each once, recorded in `d1_migrations` as
 * `wrangler d1 migrations apply` does. SQLite's own tokenizer (sql.js) splits the statements; it
 * compiles each one, so every migration also runs, in order, on a scratch in-memory database.
 */
async function applyMigrations(db, dir, SQL) {
  await db.exec(
    "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, " +
      "applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)",
  );
  const applied = new Set((await db.prepare("SELECT name FROM d1_migrations").all()).results.map((r) => r.name));
  const scratch = new SQL.Database();
  try {
    for (const name of readdirSync(dir).filter((f) => f.endsWith(".sql")).sort()) {
      const statements = [];
      for (const statement of scratch.iterateStatements(readFileSync(join(dir, name), "utf8"))) {
        try {
          statements.push(db.prepare(statement.getSQL()));
          statement.step();
        } finally {
          statement.free();
        }
      }
      if (applied.has(name)) continue;
      statements.push(db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(name));
      await db.batch(statements); // one transaction per file
    }
  } finally {
    scratch.close();
  }
}

/**
 * Start Miniflare with the bindings of wrangler.toml, persisted under `stateDir`. Returns the
 * binding objects at once (they wait for Miniflare themselves) and `ready`, which resolves when
 * Miniflare is up and the D1 migrations are applied. `deliverBatch({queue, messages})` is the
 * Python consumer; it resolves to `{messageId: "ack" | {retry: options}}`.
 */
export function startBindings({ config, stateDir, SQL, deliverBatch }) {
  mkdirSync(stateDir, { recursive: true });
  const queueConsumers = Object.fromEntries(
    config.queueConsumers.map((c) => [
      c.queue,
      {
        maxBatchSize: c.maxBatchSize,
        maxBatchTimeout: Math.min(c.maxBatchTimeout, MAX_BATCH_TIMEOUT_SECONDS),
        maxRetries: c.maxRetries,
        ...(c.deadLetterQueue ? { deadLetterQueue: c.deadLetterQueue } : {}),
        ...(c.retryDelay ? { retryDelay: c.retryDelay } : {}),
      },
    ]),
  );
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    log: new Log(LogLevel.WARN),
    logRequests: false,
    cf: false, // the placeholder `request.cf`; true would fetch it from workers.cloudflare.com
    modules: true,
    script: FORWARDER,
    compatibilityDate: FORWARDER_COMPATIBILITY_DATE,
    kvNamespaces: config.kvNamespaces,
    kvPersist: join(stateDir, "kv"),
    d1Databases: Object.fromEntries(config.d1Databases.map((d) => [d.binding, d.databaseName])),
    d1Persist: join(stateDir, "d1"),
    queueProducers: Object.fromEntries(config.queueProducers.map((p) => [p.binding, { queueName: p.queue }])),
    queueConsumers,
    serviceBindings: {
      async EDGE_HOST(request) {
        try {
          return Response.json(await deliverBatch(await request.json()));
        } catch (error) {
          return new Response(String(error?.message ?? error), { status: 500 });
        }
      },
    },
  });

  const started = mf.ready;
  const stub = (getter) => {
    const promise = started.then(getter);
    promise.catch(() => {}); // callers await it; a host that stops while starting must not crash
    return promise;
  };
  const bindings = {};
  for (const name of config.kvNamespaces) {
    bindings[name] = namedBinding("KvNamespace", name, stub(() => mf.getKVNamespace(name)));
  }
  const forwarder = (body) =>
    started.then(() => mf.dispatchFetch("http://edge-host/d1", { method: "POST", body: JSON.stringify(body) }));
  const databases = config.d1Databases.map((d) => ({ ...d, db: new D1Database(d.binding, forwarder) }));
  for (const { binding, db } of databases) bindings[binding] = db;
  for (const producer of config.queueProducers) {
    bindings[producer.binding] = namedBinding("WorkerQueue", producer.binding, stub(() => mf.getQueueProducer(producer.binding)));
  }

  const ready = started.then(async () => {
    for (const { db, migrationsDir } of databases) await applyMigrations(db, migrationsDir, SQL);
  });
  return { bindings, ready, dispose: () => mf.dispose() };
}
