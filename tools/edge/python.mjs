// Boot npm Pyodide 0.28.2 (the Python 3.13 Workers runtime's Pyodide) the way the runtime sets up
// a Python Worker: vendored packages in site-packages, the two runtime-private modules the SDK
// imports, the bundle at /session/metadata, then the main module imported under the global-scope
// rules. Offline: Pyodide's own files come from node_modules.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPyodide } from "pyodide";

import { GLOBAL_SCOPE_ERROR, globalScopeViolations, runInGlobalScope } from "./global_scope.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const BUNDLE_MOUNT = "/session/metadata"; // where workerd puts the Worker's modules
const HOST_PACKAGE_DIR = "/edgehost"; // tools/edge/*.py, importable as `edgehost.*`
const HOST_MODULES = ["startup.py", "introspection.py", "harness.py"];

// Compatibility flags the SDK reads that compatibility_date 2026-06-01 turns on; every flag not
// listed reads as False (workers.utils.get_compat_flag).
const COMPAT_FLAGS = { python_request_headers_preserve_commas: true };

// npm Pyodide ships `ssl` unvendored (workerd loads it as a separate stdlib package). pyjwt, a
// runtime dependency, does `from ssl import SSLContext` when imported (jwt/jwks_client.py); the
// bundle does not import it today. Nothing here opens TLS connections.
const SSL_STAND_IN = `"""Edge host stand-in: npm Pyodide has no ssl module; only the name pyjwt imports."""


class SSLContext:
    pass
`;

export class MainModuleImportError extends Error {}

export async function bootPython() {
  return loadPyodide({ packages: [] });
}

/** Unpack the wheels and pure packages listed in `wheelsDir/manifest.json` into site-packages. */
export function installPackages(py, wheelsDir) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(wheelsDir, "manifest.json"), "utf8"));
  } catch (error) {
    throw new Error(`${wheelsDir} has no manifest.json (${error.code ?? error.message}): run tools/edge/fetch_wheels.py`);
  }
  const sitePackages = py.runPython("import site; site.getsitepackages()[0]");
  for (const wheel of manifest.wheels) {
    py.unpackArchive(new Uint8Array(readFileSync(join(wheelsDir, wheel))), "wheel", { extractDir: sitePackages });
  }
  for (const pkg of manifest.packages ?? []) {
    py.FS.mkdirTree(`${sitePackages}/${pkg}`);
    for (const file of readdirSync(join(wheelsDir, pkg)).filter((f) => f.endsWith(".py"))) {
      py.FS.writeFile(`${sitePackages}/${pkg}/${file}`, new Uint8Array(readFileSync(join(wheelsDir, pkg, file))));
    }
  }
  py.FS.writeFile(`${sitePackages}/ssl.py`, SSL_STAND_IN);
}

/**
 * The runtime-private modules the SDK imports. `workersModule` is `cloudflare:workers` as the SDK
 * sees it (`from workers import env, wait_until`).
 */
export function registerRuntimeModules(py, workersModule) {
  py.registerJsModule("_cloudflare_compat_flags", COMPAT_FLAGS);
  py.registerJsModule("_pyodide_entrypoint_helper", {
    // The runtime patches ctx.waitUntil to accept Python awaitables; ours already do.
    patchWaitUntil() {},
    cloudflareWorkersModule: workersModule,
    cloudflareSocketsModule: {},
    doAnImport: (name) => import(name),
  });
}

/** Mount the staged bundle read from disk (NODEFS) and put it first on sys.path. */
export function mountBundle(py, bundleDir) {
  py.FS.mkdirTree(BUNDLE_MOUNT);
  py.FS.mount(py.FS.filesystems.NODEFS, { root: bundleDir }, BUNDLE_MOUNT);
  py.FS.mkdirTree(`${HOST_PACKAGE_DIR}/edgehost`);
  py.FS.writeFile(`${HOST_PACKAGE_DIR}/edgehost/__init__.py`, '"""The edge host\'s own Python (tools/edge)."""\n');
  for (const file of HOST_MODULES) {
    py.FS.writeFile(`${HOST_PACKAGE_DIR}/edgehost/${file}`, new Uint8Array(readFileSync(join(HERE, file))));
  }
  py.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(BUNDLE_MOUNT)}); sys.path.append(${JSON.stringify(HOST_PACKAGE_DIR)})`);
}

/**
 * Import the main module (`build/entry.py` -> `entry`) with the global-scope rules in force, then
 * collect its entrypoint classes as workerd does. Throws MainModuleImportError with the Python
 * traceback when the import fails.
 */
export function importMainModule(py, mainFile) {
  const name = mainFile.split("/").pop().replace(/\.py$/, "");
  const startup = py.pyimport("edgehost.startup");
  startup.install_import_patches();
  let module;
  try {
    module = runInGlobalScope(() => startup.import_main_module(name, GLOBAL_SCOPE_ERROR));
  } catch (error) {
    const refused = globalScopeViolations();
    const detail = refused.length ? `\nrefused within global scope: ${refused.join(", ")}` : "";
    startup.destroy();
    throw new MainModuleImportError(`importing the main module ${name} failed:\n${error.message}${detail}`);
  }
  startup.before_first_request();
  startup.destroy();
  // Python may swallow a refusal (random.seed() falls back to time and pid when getentropy
  // fails); on Workers the same call is fatal at startup, so it is here too.
  const refused = globalScopeViolations();
  if (refused.length) {
    module.destroy();
    throw new MainModuleImportError(
      `importing the main module ${name} failed:\n${GLOBAL_SCOPE_ERROR}\nrefused within global scope: ${refused.join(", ")}`,
    );
  }
  const introspection = py.pyimport("edgehost.introspection");
  const classes = introspection.collect_entrypoint_classes(module);
  return { module, classes, introspection };
}
