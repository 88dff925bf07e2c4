// WebCrypto as production Workers have it: Node's real implementation, except that PBKDF2 with
// more than 100 000 iterations is refused (workerd issue #1346). Local workerd/Miniflare do not
// enforce the cap, which is how a password hash that cannot be verified in production slips
// through; the edge host does.

export const PBKDF2_MAX_ITERATIONS = 100_000;

function isCappedPbkdf2(algorithm) {
  const name = typeof algorithm === "string" ? algorithm : algorithm?.name;
  return (
    typeof name === "string" &&
    name.toUpperCase() === "PBKDF2" &&
    Number(algorithm?.iterations) > PBKDF2_MAX_ITERATIONS
  );
}

function notSupported() {
  return new DOMException(
    `Pbkdf2 failed: iteration counts above ${PBKDF2_MAX_ITERATIONS} are not supported`,
    "NotSupportedError",
  );
}

/** Install the cap on `globalThis.crypto.subtle` (deriveBits and deriveKey). */
export function installProductionWebCrypto() {
  const subtle = globalThis.crypto.subtle;
  for (const method of ["deriveBits", "deriveKey"]) {
    const original = subtle[method].bind(subtle);
    subtle[method] = (algorithm, ...rest) =>
      isCappedPbkdf2(algorithm) ? Promise.reject(notSupported()) : original(algorithm, ...rest);
  }
}
