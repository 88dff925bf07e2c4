// `ctx.storage` of a SQLite-backed Durable Object, owned by the edge host (tools/edge/README.md).
//
// Python calls `ctx.storage.sql.exec(...)` synchronously and reads `.toArray()` / `.one()` at
// once; Miniflare's Durable Object stubs are async-only from Node and JSPI is not available in
// Node 20, so the storage cannot be Miniflare's. It is one sql.js (wasm SQLite) database per
// object, persisted to a file after each event that wrote to it. The key-value API lives in the
// `_cf_KV` table and the alarm in `_cf_METADATA`, as on Workers, where user SQL cannot touch
// `_cf_` tables.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import v8 from "node:v8";

const RESERVED_TABLE = /\b_cf_/i;
const TRANSACTION_CONTROL = /^\s*(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b/i;

const INTERNAL_SCHEMA = `
CREATE TABLE IF NOT EXISTS _cf_KV (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS _cf_METADATA (key TEXT PRIMARY KEY, value INTEGER);
`;

function sqlBinding(value, position) {
  if (value === null || typeof value === "string" || typeof value === "number") return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  // workerd accepts ArrayBuffer, string, number and null only (no booleans, no undefined).
  throw new TypeError(`Unsupported SQL binding type at position ${position}: ${value === undefined ? "undefined" : typeof value}`);
}

function jsValue(value) {
  // BLOB columns come back as ArrayBuffer on Workers; sql.js gives Uint8Array views.
  return value instanceof Uint8Array ? value.slice().buffer : value;
}

export class SqlStorageCursor {
  #columns;
  #rows;
  #index = 0;

  constructor(columns, rows, rowsRead, rowsWritten) {
    this.#columns = columns;
    this.#rows = rows;
    this.rowsRead = rowsRead;
    this.rowsWritten = rowsWritten;
  }

  get columnNames() {
    return [...this.#columns];
  }

  #object(row) {
    return Object.fromEntries(this.#columns.map((name, i) => [name, row[i]]));
  }

  next() {
    if (this.#index >= this.#rows.length) return { done: true, value: undefined };
    return { done: false, value: this.#object(this.#rows[this.#index++]) };
  }

  [Symbol.iterator]() {
    return this;
  }

  toArray() {
    const rest = this.#rows.slice(this.#index);
    this.#index = this.#rows.length;
    return rest.map((row) => this.#object(row));
  }

  one() {
    const rest = this.toArray();
    if (rest.length === 0) throw new Error("Expected exactly one result from SQL query, but got no results.");
    if (rest.length > 1) throw new Error("Expected exactly one result from SQL query, but got multiple results.");
    return rest[0];
  }

  raw() {
    const rows = this.#rows;
    const cursor = this;
    return {
      next() {
        if (cursor.#index >= rows.length) return { done: true, value: undefined };
        return { done: false, value: [...rows[cursor.#index++]] };
      },
      toArray() {
        const rest = rows.slice(cursor.#index).map((row) => [...row]);
        cursor.#index = rows.length;
        return rest;
      },
      [Symbol.iterator]() {
        return this;
      },
    };
  }
}

export class SqlStorage {
  #database;

  constructor(database) {
    this.#database = database;
  }

  /** Runs every statement of `query` now (workerd's cursor is lazy; this one is eager). */
  exec(query, ...bindings) {
    if (typeof query !== "string") throw new TypeError("exec() expects an SQL string");
    if (RESERVED_TABLE.test(query)) throw new Error(`not authorized: access to _cf_ tables is prohibited: SQLITE_AUTH`);
    return this.#database.run(query, bindings.map(sqlBinding), { userSql: true });
  }

  get databaseSize() {
    return this.#database.size();
  }
}

/** The sql.js database behind one object, and its file. */
export class ObjectDatabase {
  #db;
  #path;
  #dirty = false;

  constructor(SQL, path) {
    this.#path = path;
    this.#db = path && existsSync(path) ? new SQL.Database(readFileSync(path)) : new SQL.Database();
    this.#db.exec(INTERNAL_SCHEMA);
  }

  #totalChanges() {
    return this.#db.exec("SELECT total_changes()")[0].values[0][0];
  }

  run(query, bindings, { userSql = false } = {}) {
    const before = this.#totalChanges();
    let columns = [];
    let rows = [];
    let count = 0;
    for (const statement of this.#db.iterateStatements(query)) {
      try {
        count += 1;
        if (userSql && TRANSACTION_CONTROL.test(statement.getSQL())) {
          throw new Error(
            "To execute a transaction, please use the state.storage.transaction() or " +
              "state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements.",
          );
        }
        if (bindings.length) {
          if (count > 1) throw new Error("A query with bindings must contain exactly one SQL statement.");
          statement.bind(bindings);
        }
        columns = statement.getColumnNames();
        rows = [];
        while (statement.step()) rows.push(statement.get().map(jsValue));
      } finally {
        statement.free();
      }
    }
    const written = this.#totalChanges() - before;
    if (written > 0 || !/^\s*SELECT\b/i.test(query)) this.#dirty = true;
    return new SqlStorageCursor(columns, rows, rows.length, written);
  }

  size() {
    const pages = this.#db.exec("PRAGMA page_count")[0].values[0][0];
    const pageSize = this.#db.exec("PRAGMA page_size")[0].values[0][0];
    return pages * pageSize;
  }

  /** Write the database to its file if anything changed since the last flush. */
  flush() {
    if (!this.#path || !this.#dirty) return;
    mkdirSync(dirname(this.#path), { recursive: true });
    const temp = `${this.#path}.tmp`;
    writeFileSync(temp, this.#db.export());
    renameSync(temp, this.#path);
    this.#dirty = false;
  }

  close() {
    this.#db.close();
  }
}

function keyRange(options) {
  const where = [];
  const params = [];
  if (options.prefix !== undefined) {
    where.push("substr(key, 1, length(?)) = ?");
    params.push(options.prefix, options.prefix);
  }
  if (options.start !== undefined) {
    where.push("key >= ?");
    params.push(options.start);
  }
  if (options.startAfter !== undefined) {
    where.push("key > ?");
    params.push(options.startAfter);
  }
  if (options.end !== undefined) {
    where.push("key < ?");
    params.push(options.end);
  }
  return { where: where.length ? `WHERE ${where.join(" AND ")}` : "", params };
}

/**
 * `ctx.storage`: synchronous SQL plus the async key-value and alarm APIs. `alarms` is told about
 * every alarm change; `hasAlarmHandler` mirrors Workers, where setAlarm() throws without one.
 */
export class DurableObjectStorage {
  #database;
  #alarms;
  #hasAlarmHandler;

  constructor(database, { alarms, hasAlarmHandler }) {
    this.#database = database;
    this.#alarms = alarms;
    this.#hasAlarmHandler = hasAlarmHandler;
    this.sql = new SqlStorage(database);
  }

  #kv(query, params = []) {
    return this.#database.run(query, params);
  }

  #getOne(key) {
    const [row] = this.#kv("SELECT value FROM _cf_KV WHERE key = ?", [String(key)]).toArray();
    return row ? v8.deserialize(new Uint8Array(row.value)) : undefined;
  }

  async get(keys) {
    if (!Array.isArray(keys)) return this.#getOne(keys);
    const found = new Map();
    for (const key of keys) {
      const value = this.#getOne(key);
      if (value !== undefined) found.set(key, value);
    }
    return found;
  }

  async put(keyOrEntries, value) {
    const entries = typeof keyOrEntries === "string" ? [[keyOrEntries, value]] : Object.entries(keyOrEntries);
    for (const [key, item] of entries) {
      if (item === undefined) throw new TypeError("put() requires a value");
      this.#kv("INSERT OR REPLACE INTO _cf_KV (key, value) VALUES (?, ?)", [key, new Uint8Array(v8.serialize(item))]);
    }
  }

  async delete(keys) {
    const list = Array.isArray(keys) ? keys : [keys];
    let deleted = 0;
    for (const key of list) deleted += this.#kv("DELETE FROM _cf_KV WHERE key = ?", [String(key)]).rowsWritten;
    return Array.isArray(keys) ? deleted : deleted > 0;
  }

  async list(options = {}) {
    const { where, params } = keyRange(options);
    const order = options.reverse ? "DESC" : "ASC";
    const limit = options.limit !== undefined ? ` LIMIT ${Number(options.limit) | 0}` : "";
    const rows = this.#kv(`SELECT key, value FROM _cf_KV ${where} ORDER BY key ${order}${limit}`, params).toArray();
    return new Map(rows.map((row) => [row.key, v8.deserialize(new Uint8Array(row.value))]));
  }

  async deleteAll() {
    for (const { name } of this.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").toArray()) {
      this.#database.run(`DROP TABLE IF EXISTS "${name.replaceAll('"', '""')}"`, []);
    }
    this.#database.run(INTERNAL_SCHEMA, []);
    this.#alarms.changed(null);
  }

  async transaction(closure) {
    this.#database.run("SAVEPOINT edgehost_txn", []);
    try {
      const result = await closure(this);
      this.#database.run("RELEASE edgehost_txn", []);
      return result;
    } catch (error) {
      this.#database.run("ROLLBACK TO edgehost_txn", []);
      this.#database.run("RELEASE edgehost_txn", []);
      throw error;
    }
  }

  transactionSync(closure) {
    this.#database.run("SAVEPOINT edgehost_txn_sync", []);
    try {
      const result = closure();
      this.#database.run("RELEASE edgehost_txn_sync", []);
      return result;
    } catch (error) {
      this.#database.run("ROLLBACK TO edgehost_txn_sync", []);
      this.#database.run("RELEASE edgehost_txn_sync", []);
      throw error;
    }
  }

  async sync() {}

  /** The stored alarm (epoch ms) or null; used by the host too. */
  alarmTime() {
    const [row] = this.#kv("SELECT value FROM _cf_METADATA WHERE key = 'alarm'").toArray();
    return row ? row.value : null;
  }

  async getAlarm() {
    return this.alarmTime();
  }

  async setAlarm(scheduledTime) {
    if (!this.#hasAlarmHandler) {
      throw new Error("Your Durable Object class must have an alarm() handler in order to call setAlarm()");
    }
    const time = scheduledTime instanceof Date ? scheduledTime.getTime() : Number(scheduledTime);
    if (!Number.isFinite(time)) throw new TypeError("setAlarm() expects a Date or epoch milliseconds");
    this.#kv("INSERT OR REPLACE INTO _cf_METADATA (key, value) VALUES ('alarm', ?)", [Math.trunc(time)]);
    this.#alarms.changed(Math.trunc(time));
  }

  async deleteAlarm() {
    this.#kv("DELETE FROM _cf_METADATA WHERE key = 'alarm'");
    this.#alarms.changed(null);
  }
}
