// One headless Chromium (Debian's /usr/bin/chromium through playwright-core), driven by pytest
// over JSON lines: each stdin line `{"id", "op", ...args}` gets one stdout line
// `{"id", "ok": true, "result"}` or `{"id", "ok": false, "error"}`. See tests/e2e_support.py.
//
// Every request to a tracked origin (the issuer) is logged with its body and its response, so a
// test can see what the SDK really sent: the hidden iframe's /authorize, the refresh grant.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: CHROMIUM_ARGS,
});
let context;
let page;
let tracked = [];
let log = [];
const pending = new Set(); // response bodies still being read
const consoleLines = [];
const authenticators = new Map(); // virtual WebAuthn authenticator id -> its CDP session

function isTracked(url) {
  return tracked.some((origin) => url.startsWith(origin));
}

async function record(response) {
  const request = response.request();
  if (!isTracked(request.url())) return;
  let frameIsMain = null; // null: not from a frame (a Web Worker's fetch)
  try {
    frameIsMain = request.frame() === page.mainFrame();
  } catch {
    frameIsMain = null;
  }
  const entry = {
    method: request.method(),
    url: request.url(),
    resource_type: request.resourceType(),
    frame_is_main: frameIsMain,
    post_data: request.postData(),
    status: response.status(),
    location: response.headers()['location'] || null,
    body: null,
  };
  log.push(entry);
  const type = response.headers()['content-type'] || '';
  if (type.includes('application/json') && request.method() !== 'OPTIONS') {
    try {
      entry.body = await response.text();
    } catch {
      entry.body = null; // the page navigated away before the body was read
    }
  }
}

// `acceptTestCertificates`: the issuer runs on https with a throwaway test CA's certificate
// (tests/management/conftest.py tls_server); only that session skips certificate checks.
async function newSession(acceptTestCertificates = false) {
  if (context) await context.close();
  authenticators.clear();
  context = await browser.newContext({ ignoreHTTPSErrors: acceptTestCertificates });
  page = await context.newPage();
  page.setDefaultTimeout(15000);
  log = [];
  page.on('response', (response) => {
    const reading = record(response).catch(() => {});
    pending.add(reading);
    reading.finally(() => pending.delete(reading));
  });
  page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`));
}

// A function given as source text, run in the page with one JSON argument; awaits promises.
function pageFunction(source) {
  return new Function(`return (${source});`)();
}

const ops = {
  async session({ accept_test_certificates }) {
    await newSession(Boolean(accept_test_certificates));
    return null;
  },
  async track({ origins }) {
    tracked = origins;
    return null;
  },
  async goto({ url }) {
    await page.goto(url, { waitUntil: 'load' });
    return page.url();
  },
  async reload() {
    await page.reload({ waitUntil: 'load' });
    return page.url();
  },
  async url() {
    return page.url();
  },
  async click({ selector }) {
    await page.click(selector);
    return null;
  },
  async fill({ selector, value }) {
    await page.fill(selector, value);
    return null;
  },
  async type({ selector, text }) {
    await page.locator(selector).pressSequentially(text);
    return null;
  },
  async press({ selector, key }) {
    await page.press(selector, key);
    return null;
  },
  async focused() {
    return page.evaluate(() => document.activeElement && document.activeElement.id);
  },
  async wait_for_url({ prefix, timeout_ms }) {
    await page.waitForURL((url) => url.href.startsWith(prefix), { timeout: timeout_ms, waitUntil: 'load' });
    return page.url();
  },
  async wait_for_text({ selector, text, timeout_ms }) {
    await page.locator(selector, { hasText: text }).first().waitFor({ timeout: timeout_ms });
    return page.locator(selector).first().innerText();
  },
  async text({ selector }) {
    return page.locator(selector).first().innerText();
  },
  async evaluate({ source, arg }) {
    return page.evaluate(pageFunction(source), arg ?? null);
  },
  async requests({ clear }) {
    await Promise.allSettled([...pending]);
    const entries = log;
    if (clear) log = [];
    return entries;
  },
  async cookies() {
    return context.cookies();
  },
  // A browser that blocks third-party cookies: responses of URLs containing `part` set none.
  async block_cookies({ part }) {
    await context.route((url) => url.href.includes(part), async (route) => {
      const response = await route.fetch();
      // route.fetch() shares the context's cookie jar: what it stored goes again.
      for (const header of response.headersArray().filter((h) => h.name.toLowerCase() === 'set-cookie')) {
        await context.clearCookies({ name: header.value.split('=', 1)[0].trim() });
      }
      const headers = { ...response.headers() };
      delete headers['set-cookie'];
      await route.fulfill({ response, headers });
    });
    return null;
  },
  // A WebAuthn authenticator the browser talks to as to a real one (Chrome DevTools Protocol's
  // WebAuthn domain): `options` as `WebAuthn.addVirtualAuthenticator` takes them; it answers
  // every ceremony at once (presence and verification simulated). Returns its id.
  async virtual_authenticator({ options }) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options });
    authenticators.set(authenticatorId, cdp);
    return authenticatorId;
  },
  // The credentials an authenticator holds (id, rpId, userHandle, signCount, isResidentCredential).
  async authenticator_credentials({ authenticator }) {
    const { credentials } = await authenticators.get(authenticator).send('WebAuthn.getCredentials', { authenticatorId: authenticator });
    return credentials.map(({ privateKey, ...rest }) => rest);
  },
  async clear_cookies() {
    await context.clearCookies();
    return null;
  },
  async console() {
    return consoleLines.splice(0);
  },
  async screenshot({ path }) {
    await page.screenshot({ path, fullPage: true });
    return path;
  },
  // axe-core's WCAG 2.x A/AA and best-practice rules over the current page: its violations, each
  // with the rule, impact, help text and the offending elements' selectors and HTML.
  async axe() {
    await page.addScriptTag({ content: AXE_SOURCE });
    return page.evaluate(async () => {
      const results = await window.axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
        resultTypes: ['violations'],
      });
      return {
        checked: results.passes.length + results.violations.length + results.incomplete.length,
        violations: results.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary })),
        })),
      };
    });
  },
  async version() {
    return browser.version();
  },
};

async function handle(line) {
  const { id, op, ...args } = JSON.parse(line);
  try {
    if (!ops[op]) throw new Error(`unknown op ${op}`);
    const result = await ops[op](args);
    return { id, ok: true, result: result ?? null };
  } catch (error) {
    return { id, ok: false, error: String(error && error.stack ? error.stack : error) };
  }
}

await newSession();
process.stdout.write(JSON.stringify({ id: 0, ok: true, result: browser.version() }) + '\n');

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  process.stdout.write(JSON.stringify(await handle(line)) + '\n');
}
await browser.close();
