// Real HTTP on loopback in front of the Worker: each Node request becomes a fetch `Request` (as
// the runtime hands the Worker), and the `Response` the Worker returns goes back with its status,
// every header (each Set-Cookie on its own line) and its body, streamed.
import { createServer } from "node:http";

const NO_BODY = new Set(["GET", "HEAD"]);

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The fetch Request for a Node request; the URL's authority is the Host header, as on Workers
 * (the loopback address when the Host is not a valid authority: the Worker judges the header).
 * `CF-Connecting-IP` is the socket peer, whatever the client sent, as Cloudflare sets it. */
export async function toRequest(req, fallbackHost) {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  headers.set("cf-connecting-ip", (req.socket.remoteAddress || "").replace(/^::ffff:/, ""));
  let url;
  try {
    url = new URL(req.url, `http://${req.headers.host || fallbackHost}`);
    if (url.username || url.password) throw new TypeError("credentials in the authority");
  } catch {
    url = new URL(req.url, `http://${fallbackHost}`);
  }
  const body = NO_BODY.has(req.method) ? undefined : await readBody(req);
  return new Request(url, { method: req.method, headers, body: body?.length ? body : undefined });
}

export async function sendResponse(res, response, method) {
  const raw = [];
  for (const [name, value] of response.headers) {
    if (name !== "set-cookie") raw.push(name, value);
  }
  for (const cookie of response.headers.getSetCookie()) raw.push("set-cookie", cookie);
  res.writeHead(response.status, response.statusText || undefined, raw);
  if (method !== "HEAD" && response.body) {
    for await (const chunk of response.body) res.write(chunk);
  }
  res.end();
}

export function plainText(status, text) {
  return new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/**
 * Serve `handle(request) -> Response` on host:port. A handler that throws answers 500 (logged);
 * the server keeps serving.
 */
export function serve({ host, port, handle }) {
  const server = createServer(async (req, res) => {
    try {
      const request = await toRequest(req, `${host}:${port}`);
      await sendResponse(res, await handle(request), req.method);
    } catch (error) {
      console.error(`edge host: ${req.method} ${req.url} failed:\n${error?.stack ?? error}`);
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end("Internal Server Error: the edge host could not handle the request\n");
      } else {
        res.destroy();
      }
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
