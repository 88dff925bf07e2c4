// The Workers global-scope rules while the main module is imported.
//
// On Cloudflare the top level of the main module runs outside any request (at upload, for the
// memory snapshot): generating random values, I/O (fetch, binding calls) and timers throw. A
// module that does `secrets.token_hex()` at import works under CPython and fails at deploy, so
// the edge host enforces the same rules around `import entry` and lifts them afterwards.
//
// Python reaches entropy two ways, both covered here:
//   * `js.crypto.getRandomValues(...)` (the adapter's `random_bytes`): globalThis.crypto;
//   * the C library's getentropy (os.urandom, secrets, uuid4, random.seed()): Emscripten's
//     `random_get` calls Node's `crypto.randomFillSync`. A JS error thrown there is a fatal
//     Pyodide error, so it fails with Emscripten's errno convention (EIO) instead and becomes a
//     Python OSError; startup.py additionally patches os.urandom to raise OSError with the
//     message (what workerd's entropy patches do), so the traceback names the rule.
import nodeCrypto from "node:crypto";

export const GLOBAL_SCOPE_ERROR =
  "Disallowed operation called within global scope. Asynchronous I/O (ex: fetch() or connect()), " +
  "setting a timeout, and generating random values are not allowed within global scope. To fix " +
  "this error, perform this operation within a handler. " +
  "https://developers.cloudflare.com/workers/runtime-apis/handlers/";

const EIO = 29; // Emscripten/WASI errno for "I/O error"

let inGlobalScope = false;
const violations = [];

/** Whether the main module's top level is running now. */
export function isGlobalScope() {
  return inGlobalScope;
}

/** What was refused during the import (printed when the import fails). */
export function globalScopeViolations() {
  return [...violations];
}

/** Throw the runtime's error when called within global scope; `what` names the operation. */
export function assertNotGlobalScope(what) {
  if (inGlobalScope) {
    violations.push(what);
    throw new Error(GLOBAL_SCOPE_ERROR);
  }
}

/**
 * Run `fn` (synchronous: Pyodide's import) with the global-scope rules in force. The patched
 * functions are restored before returning, so nothing else in the process is affected: the
 * import is synchronous and no other JS runs while it does.
 */
export function runInGlobalScope(fn) {
  const webcrypto = globalThis.crypto;
  const saved = {
    getRandomValues: Object.getOwnPropertyDescriptor(webcrypto, "getRandomValues"),
    randomFillSync: nodeCrypto.randomFillSync,
    fetch: globalThis.fetch,
  };
  webcrypto.getRandomValues = () => assertNotGlobalScope("crypto.getRandomValues()");
  nodeCrypto.randomFillSync = () => {
    violations.push("getentropy() (os.urandom, secrets, uuid4, random.seed)");
    const error = new Error(GLOBAL_SCOPE_ERROR);
    error.name = "ErrnoError"; // Emscripten's random_get turns this into errno, not a fatal error
    error.errno = EIO;
    throw error;
  };
  globalThis.fetch = () => assertNotGlobalScope("fetch()");
  inGlobalScope = true;
  try {
    return fn();
  } finally {
    inGlobalScope = false;
    if (saved.getRandomValues) Object.defineProperty(webcrypto, "getRandomValues", saved.getRandomValues);
    else delete webcrypto.getRandomValues;
    nodeCrypto.randomFillSync = saved.randomFillSync;
    globalThis.fetch = saved.fetch;
  }
}
