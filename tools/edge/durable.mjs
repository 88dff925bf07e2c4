// Durable Objects hosted by the edge host: the namespace binding (`env.USERS`), stubs whose RPC
// goes through the same conversions as on Workers, one instance per id with its own storage, one
// event at a time per object, and alarms that fire when due.
//
// Call path of `await stub.create_user(...)` from Python, as on the runtime:
//   SDK `_FetcherWrapper` (python_to_rpc on each argument) -> stub method here (structured clone,
//   the RPC serialisation) -> the object's queue -> introspection.invoke(relaxed=false):
//   python_from_rpc on each argument, the method, python_to_rpc on the result -> structured clone
//   -> SDK (python_from_rpc on the result).
import { createHash, createHmac, randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";

import { assertNotGlobalScope } from "./global_scope.mjs";
import { DurableObjectStorage, ObjectDatabase } from "./object_storage.mjs";
import { reportBackgroundError } from "./runtime_types.mjs";

const ALARM_POLL_MS = 250;
const ALARM_MAX_RETRIES = 6; // then Workers gives up on the alarm
const ALARM_FIRST_BACKOFF_MS = 2_000; // doubled per retry
const OBJECT_ID = /^[0-9a-f]{64}$/;
// Workers evicts an object that has had no event for 70–140 s, and sooner under memory pressure;
// the host evicts idle persisted objects after IDLE_EVICT_MS, and the least recently used ones
// beyond MAX_RESIDENTS (an import touches thousands of objects within minutes: kept resident,
// their sql.js databases and Python instances filled the heaps until every event crawled).
const IDLE_EVICT_MS = 70_000;
const MAX_RESIDENTS = 256;
// Errors keep their type across RPC only for the standard JS error classes (V8 serialisation).
const SERIALIZABLE_ERRORS = [EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError];

/** What the caller of a Durable Object receives for an error thrown inside it. */
function acrossRpc(error) {
  const Type = SERIALIZABLE_ERRORS.find((T) => T.name === error?.name) ?? Error;
  return new Type(String(error?.message ?? error));
}

export class DurableObjectId {
  #hex;
  #name;

  constructor(hex, name) {
    this.#hex = hex;
    this.#name = name;
  }

  get name() {
    return this.#name;
  }

  toString() {
    return this.#hex;
  }

  equals(other) {
    return other instanceof DurableObjectId && other.toString() === this.#hex;
  }
}

export class DurableObjectState {
  #host;
  #hex;
  #blockers = [];

  constructor(host, id, storage) {
    this.#host = host;
    this.#hex = id.toString();
    this.id = id;
    this.storage = storage;
  }

  waitUntil(promise) {
    // A borrowed Python proxy: subscribe now (see ExecutionContext.waitUntil).
    new Promise((resolve, reject) => promise.then(resolve, reject)).catch((error) =>
      reportBackgroundError("a Durable Object waitUntil task", error),
    );
  }

  /** Runs `callback` now; no other event reaches the object until it settles. */
  blockConcurrencyWhile(callback) {
    const result = callback(); // a borrowed proxy: call it before returning
    const settled = new Promise((resolve, reject) => Promise.resolve(result).then(resolve, reject));
    this.#blockers.push(settled.catch(() => {}));
    return settled;
  }

  /** Awaited by the host before delivering the next event. */
  async settleBlockers() {
    while (this.#blockers.length) await this.#blockers.shift();
  }

  abort(reason) {
    this.#host.evict(this.#hex, reason);
  }
}

/**
 * Hosts one Durable Object class: `pyClass(state, env)` per id, activated on first use, then kept.
 * The namespace exists before the main module is imported (its env is visible at import); the
 * Python class is attached with `serve()` once the import has collected it. `invoke(relaxed,
 * instance, method, ...args)` is introspection.invoke; `stateDir` null keeps storage in memory.
 */
export class ObjectHost {
  #residents = new Map(); // hex -> resident, least recently used first
  #alarms = new Map(); // hex -> {time, retries, running}

  constructor({ binding, className, env, invoke, SQL, stateDir }) {
    this.binding = binding;
    this.className = className;
    this.env = env;
    this.invoke = invoke;
    this.SQL = SQL;
    this.dir = stateDir ? join(stateDir, "objects", binding) : null;
    this.pyClass = null;
    this.methods = new Set();
    // Deterministic per class, so ids (and the files named after them) survive restarts.
    this.idKey = createHash("sha256").update(`edge-host durable object ${className}`).digest();
  }

  /** Attach the Python class and its RPC-callable methods (introspection). */
  serve(pyClass, methods) {
    this.pyClass = pyClass;
    this.methods = new Set(methods);
    this.hasAlarmHandler = this.methods.has("alarm");
    this.loadStoredAlarms();
  }

  /** Ids are 24 bytes naming the object plus an 8-byte tag binding them to this class. */
  makeId(body, name) {
    const tag = createHmac("sha256", this.idKey).update(body).digest().subarray(0, 8);
    return new DurableObjectId(Buffer.concat([body, tag]).toString("hex"), name);
  }

  idFromName(name) {
    const body = createHash("sha256").update(this.idKey).update(String(name)).digest().subarray(0, 24);
    return this.makeId(body, String(name));
  }

  newUniqueId() {
    return this.makeId(randomBytes(24), undefined);
  }

  idFromString(hex) {
    if (typeof hex !== "string" || !OBJECT_ID.test(hex)) {
      throw new TypeError("Invalid Durable Object ID: must be 64 hex digits");
    }
    const id = this.makeId(Buffer.from(hex.slice(0, 48), "hex"), undefined);
    if (id.toString() !== hex) {
      throw new TypeError("Invalid Durable Object ID. The ID does not match this Durable Object class.");
    }
    return id;
  }

  #resident(id) {
    const hex = id.toString();
    let resident = this.#residents.get(hex);
    if (resident) this.#residents.delete(hex); // re-inserted below: most recently used
    else resident = { id, hex, tail: Promise.resolve(), instance: null, state: null, database: null, events: 0, idleSince: 0 };
    this.#residents.set(hex, resident);
    return resident;
  }

  #activate(resident) {
    if (resident.instance) return;
    resident.database ??= new ObjectDatabase(this.SQL, this.dir && join(this.dir, `${resident.hex}.sqlite`));
    const storage = new DurableObjectStorage(resident.database, {
      hasAlarmHandler: this.hasAlarmHandler,
      alarms: { changed: (time) => this.#alarmChanged(resident.hex, time) },
    });
    resident.state = new DurableObjectState(this, resident.id, storage);
    resident.instance = this.pyClass(resident.state, this.env); // the SDK wraps ctx and env
  }

  /**
   * Run `task(resident)` on the object after every earlier event on it has settled: the object
   * never sees two events at once (a stand-in for the runtime's input gate).
   */
  #enqueue(id, task) {
    const resident = this.#resident(id);
    resident.events += 1;
    const run = resident.tail.then(async () => {
      this.#activate(resident);
      await resident.state.settleBlockers();
      try {
        return await task(resident);
      } finally {
        await resident.state?.settleBlockers();
      }
    });
    const settled = () => {
      resident.events -= 1;
      resident.idleSince = Date.now();
      resident.database?.flush();
    };
    resident.tail = run.then(settled, settled);
    return run;
  }

  /** An RPC call: `method(...args)` on the object, as the runtime's wrapper calls it. */
  call(id, method, args) {
    return this.#enqueue(id, (resident) => {
      if (!this.methods.has(method) || method === "fetch" || method === "alarm") {
        throw new TypeError(`The RPC receiver does not implement the method "${method}".`);
      }
      return this.invoke(false, resident.instance, method, ...args);
    }).catch((error) => {
      throw acrossRpc(error);
    });
  }

  fetch(id, request) {
    return this.#enqueue(id, (resident) => this.invoke(true, resident.instance, "fetch", request));
  }

  evict(hex, reason) {
    const resident = this.#residents.get(hex);
    if (!resident) return;
    resident.instance?.destroy?.();
    resident.instance = null;
    resident.state = null;
    console.error(`edge host: Durable Object ${this.className} ${hex} aborted: ${reason ?? "ctx.abort()"}`);
  }

  /**
   * Unload persisted objects with no event queued or running: idle for IDLE_EVICT_MS, or the least
   * recently used beyond MAX_RESIDENTS. The next event activates the object anew from its file, as
   * Workers constructs an evicted object again. Objects kept in memory only are never unloaded.
   */
  evictIdle(now = Date.now()) {
    if (!this.dir) return;
    let excess = this.#residents.size - MAX_RESIDENTS;
    for (const [hex, resident] of this.#residents) {
      if (resident.events > 0 || (excess <= 0 && now - resident.idleSince < IDLE_EVICT_MS)) continue;
      resident.instance?.destroy?.();
      resident.database?.flush(); // a write made outside an event (an alarm's retry time)
      resident.database?.close();
      this.#residents.delete(hex);
      excess -= 1;
    }
  }

  // --- alarms ------------------------------------------------------------------------------

  #alarmChanged(hex, time) {
    if (time === null) this.#alarms.delete(hex);
    else this.#alarms.set(hex, { time, retries: 0 });
  }

  /** Register alarms stored by an earlier run of the host (objects persisted under stateDir). */
  loadStoredAlarms() {
    if (!this.dir || !this.hasAlarmHandler) return;
    let files = [];
    try {
      files = readdirSync(this.dir).filter((name) => /^[0-9a-f]{64}\.sqlite$/.test(name));
    } catch {
      return;
    }
    for (const file of files) {
      const hex = file.slice(0, 64);
      const database = new ObjectDatabase(this.SQL, join(this.dir, file));
      const time = new DurableObjectStorage(database, { hasAlarmHandler: true, alarms: { changed() {} } }).alarmTime();
      database.close();
      if (time !== null) this.#alarms.set(hex, { time, retries: 0 });
    }
  }

  /** Fire every alarm due at `now`, each on its object's queue. */
  fireDueAlarms(now = Date.now()) {
    for (const [hex, alarm] of this.#alarms) {
      if (alarm.time > now || alarm.running) continue;
      alarm.running = true;
      const id = this.makeId(Buffer.from(hex.slice(0, 48), "hex"), this.#residents.get(hex)?.id.name);
      this.#enqueue(id, async (resident) => {
        // An event queued before this one may have replaced or deleted the alarm.
        if (this.#alarms.get(hex) !== alarm) return;
        // While the handler runs the alarm is no longer set; the handler may set a new one.
        resident.database.run("DELETE FROM _cf_METADATA WHERE key = 'alarm'", []);
        this.#alarms.delete(hex);
        const info = { retryCount: alarm.retries, isRetry: alarm.retries > 0 };
        try {
          await this.invoke(true, resident.instance, "alarm", info);
        } catch (error) {
          this.#alarmFailed(resident, alarm, error);
        }
      }).catch((error) => this.#alarmFailed(this.#resident(id), alarm, error));
    }
  }

  #alarmFailed(resident, alarm, error) {
    reportBackgroundError(`alarm of ${this.className} ${resident.hex} (attempt ${alarm.retries + 1})`, error);
    const current = this.#alarms.get(resident.hex);
    if (current && current !== alarm) return; // the handler (or a later event) set a new alarm
    this.#alarms.delete(resident.hex);
    if (alarm.retries >= ALARM_MAX_RETRIES) return; // Workers gives up
    const retry = { time: Date.now() + ALARM_FIRST_BACKOFF_MS * 2 ** alarm.retries, retries: alarm.retries + 1 };
    this.#alarms.set(resident.hex, retry);
    resident.database?.run("INSERT OR REPLACE INTO _cf_METADATA (key, value) VALUES ('alarm', ?)", [retry.time]);
  }
}

/** Checks every host's alarms (and idle objects) every ALARM_POLL_MS; returns a function that stops it. */
export function startAlarmClock(hosts) {
  const timer = setInterval(() => {
    for (const host of hosts) {
      host.fireDueAlarms();
      host.evictIdle();
    }
  }, ALARM_POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** A stub of one object: `fetch`, `id`, `name`, and any other name is an RPC method. */
function objectStub(host, id) {
  const DurableObject = { DurableObject: class {} }.DurableObject;
  const rpc = new Map();
  const fetchObject = (input, init) => {
    assertNotGlobalScope("a Durable Object fetch()");
    return host.fetch(id, new Request(input, init));
  };
  return new Proxy(new DurableObject(), {
    get(_target, key) {
      if (key === "constructor") return DurableObject;
      if (typeof key !== "string" || key === "then") return undefined;
      if (key === "id") return id;
      if (key === "name") return id.name;
      if (key === "fetch") return fetchObject;
      let method = rpc.get(key);
      if (!method) {
        method = (...args) => {
          assertNotGlobalScope(`a Durable Object RPC call (${key})`);
          let cloned;
          try {
            cloned = structuredClone(args); // RPC serialisation
          } catch (error) {
            return Promise.reject(new TypeError(`Could not serialize the arguments of ${key}(): ${error.message}`));
          }
          return host.call(id, key, cloned).then((result) => structuredClone(result));
        };
        rpc.set(key, method);
      }
      return method;
    },
  });
}

/** `env.USERS`: the namespace binding. */
export class DurableObjectNamespace {
  #host;

  constructor(host) {
    this.#host = host;
  }

  idFromName(name) {
    return this.#host.idFromName(name);
  }

  newUniqueId() {
    return this.#host.newUniqueId();
  }

  idFromString(hex) {
    return this.#host.idFromString(hex);
  }

  get(id) {
    if (!(id instanceof DurableObjectId)) throw new TypeError("get() expects a DurableObjectId");
    return objectStub(this.#host, id);
  }

  getByName(name) {
    return this.get(this.idFromName(name));
  }
}
