// The edge host: the staged Worker bundle under npm Pyodide 0.28.2, served over real HTTP on
// 127.0.0.1, with Miniflare's KV, D1 and Queues and host-owned Durable Objects. `wrangler dev`
// cannot run Python Workers offline (it downloads the Pyodide bundle); this runs the same bundle
// the way the Workers runtime does, so the test suite can drive it like the local runtime.
//
//   node tools/edge/host.mjs --bundle DIR --state DIR [--port 8787] [--wheels DIR]
//                            [--config wrangler.toml] [--test-scheduled]
//
// --bundle  the staged bundle (python3 tools/stage_bundle.py --out DIR)
// --state   KV and D1 (Miniflare), Durable Object storage and the secret key persist here
// --wheels  the package cache (.venv/bin/python tools/edge/fetch_wheels.py; default .edge/wheels)
// Prints `edge host listening on http://127.0.0.1:N` when ready; exits 1 with the Python
// traceback when the main module does not import. SIGTERM / SIGINT stop it cleanly.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import initSqlJs from "sql.js";

import { bindingCalls, startBindings } from "./bindings.mjs";
import { readWranglerConfig } from "./config.mjs";
import { DurableObjectNamespace, ObjectHost, startAlarmClock } from "./durable.mjs";
import { plainText, serve } from "./http.mjs";
import {
  MainModuleImportError,
  bootPython,
  importMainModule,
  installPackages,
  mountBundle,
  registerRuntimeModules,
} from "./python.mjs";
import { reportBackgroundError } from "./runtime_types.mjs";
import { installProductionWebCrypto } from "./webcrypto.mjs";
import { Worker } from "./worker.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const HOST = "127.0.0.1"; // loopback only: the harness endpoints must never be reachable from outside
const SCHEDULED_PATH = "/cdn-cgi/handler/scheduled";
const HARNESS_PREFIX = "/cdn-cgi/edgeauth/";
const PROBE_BINDING = "EDGEHOST_PROBE"; // harness.py's probe Durable Object
const SECRET_VAR = "EDGEAUTH_SECRET_KEY";

let stopBindings = async () => {}; // Miniflare runs workerd as a child process: always dispose it

async function shutdown(code) {
  await stopBindings().catch(() => {});
  process.exit(code);
}

function options() {
  const { values } = parseArgs({
    options: {
      bundle: { type: "string" },
      state: { type: "string" },
      port: { type: "string", default: "8787" },
      wheels: { type: "string", default: join(ROOT, ".edge", "wheels") },
      config: { type: "string", default: join(ROOT, "wrangler.toml") },
      "test-scheduled": { type: "boolean", default: false },
    },
  });
  for (const required of ["bundle", "state"]) {
    if (!values[required]) throw new Error(`--${required} is required (see the top of tools/edge/host.mjs)`);
  }
  return {
    bundle: resolve(values.bundle),
    state: resolve(values.state),
    port: Number(values.port),
    wheels: resolve(values.wheels),
    config: resolve(values.config),
    testScheduled: values["test-scheduled"],
  };
}

/** The deployment secret (`wrangler secret put`): $EDGEAUTH_SECRET_KEY, else generated once. */
function secretKey(stateDir) {
  if (process.env[SECRET_VAR]) return process.env[SECRET_VAR].trim();
  const path = join(stateDir, "secret.key");
  if (!existsSync(path)) writeFileSync(path, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
  return readFileSync(path, "utf8").trim();
}

async function main() {
  const started = performance.now();
  const opts = options();
  mkdirSync(opts.state, { recursive: true });
  for (const signal of ["SIGTERM", "SIGINT"]) process.once(signal, () => shutdown(0));
  // A stray rejection (a background task nobody awaits) is logged; it must not stop the host.
  process.on("unhandledRejection", (error) => reportBackgroundError("a promise nobody awaited", error));
  installProductionWebCrypto();

  const phases = [];
  const phase = (name) => phases.push(`${name} ${((performance.now() - started) / 1000).toFixed(2)}`);
  const [py, SQL] = await Promise.all([bootPython(), initSqlJs()]);
  phase("pyodide");
  installPackages(py, opts.wheels);
  const config = readWranglerConfig(py, opts.config);

  // The env as the Worker sees it: vars, the secret, bindings. It exists before the import (the
  // runtime exposes it as `cloudflare:workers` env there), but binding calls are refused there.
  let worker = null; // once the main module is imported
  let introspection = null;
  const invoke = (...args) => introspection.invoke(...args);
  const env = { ...config.vars, PUBLIC_PORT: String(opts.port), [SECRET_VAR]: secretKey(opts.state) };
  const bindings = startBindings({ config, stateDir: opts.state, SQL, deliverBatch: (batch) => worker.queue(batch) });
  stopBindings = () => {
    bindings.ready.catch(() => {}); // disposing while Miniflare starts rejects it: expected here
    return bindings.dispose();
  };
  Object.assign(env, bindings.bindings);
  const objectHosts = config.durableObjects.map(
    ({ binding, className }) => new ObjectHost({ binding, className, env, invoke, SQL, stateDir: opts.state }),
  );
  for (const host of objectHosts) env[host.binding] = new DurableObjectNamespace(host);

  registerRuntimeModules(py, {
    env,
    waitUntil(promise) {
      new Promise((ok, fail) => promise.then(ok, fail)).catch((e) => reportBackgroundError("wait_until task", e));
    },
  });
  mountBundle(py, opts.bundle);
  phase("packages");
  const main = importMainModule(py, config.main);
  phase("import");
  introspection = main.introspection;
  worker = new Worker({ introspection, module: main.module, classes: main.classes, env });
  for (const host of objectHosts) {
    const found = main.classes.durableObjects.find((c) => c.className === host.className);
    if (!found) throw new Error(`the main module exports no Durable Object class ${host.className} (binding ${host.binding})`);
    host.serve(main.module[host.className], found.methodNames);
  }

  // Harness-only: the probe object and the /cdn-cgi/edgeauth/ endpoints (tools/edge/harness.py).
  const harness = py.pyimport("edgehost.harness");
  const probeHost = new ObjectHost({ binding: PROBE_BINDING, className: "EdgeHostProbe", env, invoke, SQL, stateDir: null });
  probeHost.serve(harness.EdgeHostProbe, introspection.rpc_methods(harness.EdgeHostProbe).toJs());
  const probeEnv = { [PROBE_BINDING]: new DurableObjectNamespace(probeHost) };

  await bindings.ready; // Miniflare up, D1 migrations applied
  phase("miniflare");
  startAlarmClock([...objectHosts, probeHost]);

  const handle = async (request) => {
    const url = new URL(request.url);
    if (opts.testScheduled && url.pathname === SCHEDULED_PATH) {
      // As `wrangler dev --test-scheduled`: every cron of wrangler.toml, or ?cron=...
      const crons = url.searchParams.has("cron") ? [url.searchParams.get("cron")] : config.crons;
      for (const cron of crons) await worker.scheduled(cron);
      return Response.json({ ok: true });
    }
    if (url.pathname === `${HARNESS_PREFIX}bindings`) return Response.json(bindingCalls);
    if (url.pathname.startsWith(HARNESS_PREFIX)) {
      const body = await request.text();
      const reply = await harness.handle(request.method, url.pathname, url.search.slice(1), body, env, probeEnv);
      return new Response(reply.body, { status: reply.status, headers: { "content-type": "application/json" } });
    }
    try {
      return await worker.fetch(request);
    } catch (error) {
      // An exception the Worker did not handle: the runtime answers 500 and logs it.
      reportBackgroundError(`${request.method} ${url.pathname} (uncaught in the Worker)`, error);
      return plainText(500, "Worker threw exception\n");
    }
  };
  await serve({ host: HOST, port: opts.port, handle });
  console.log(`edge host listening on http://${HOST}:${opts.port}`);
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  console.error(`edge host: ready in ${seconds} s (at s: ${phases.join(", ")}; Pyodide ${py.version}, bundle ${opts.bundle})`);
}

main().catch((error) => {
  console.error(error instanceof MainModuleImportError ? error.message : `edge host failed to start:\n${error?.stack ?? error}`);
  return shutdown(1);
});
