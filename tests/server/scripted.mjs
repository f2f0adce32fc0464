// A scripted HTTP server on 127.0.0.1 for tests, the demo and benchmarks.
//
// Each request to /s/<id>/<steps> consumes the next step of the comma-separated list for
// that <id> (the last step repeats), so one URL scripts a whole call: /s/a1/503,503,200.
// A step is a status or an action, with options after semicolons:
//
//   200 | 404 | 503 ...         answer with that status (body: "<status> #<n>")
//     ;ra=<value>               Retry-After: <value> ("date+3" = an HTTP-date 3 s ahead,
//                               "huge" = 99999999999, anything else verbatim, URL-decoded)
//     ;date=<skew s>            send a Date header skewed by <skew> seconds
//     ;delay=<ms>               wait before answering
//     ;size=<bytes>             body of that many bytes
//     ;nocache                  Cache-Control: no-store
//     ;pb=<value>               Retry-Pushback-Ms: <value>
//     ;xrr=<n>;xrt=<s>          X-RateLimit-Remaining: <n>, X-RateLimit-Reset: <s>
//     ;h=<name>:<value>         any header (repeatable; <value> URL-encoded once more, so a
//                               ";" is %253B); values "epoch+<s>", "epochms+<ms>" and
//                               "rfc3339+<s>" are times that far ahead of now
//   stall                       never answer (the socket is closed after 60 s, or on close)
//   reset                       destroy the connection without answering
//   cut                         send headers and half a body, then destroy the connection
//   slow                        send the body in 4 chunks 100 ms apart
//   echo                        200 with the request body echoed back
//
// GET /files/<name> serves a file the caller registered (`files`), e.g. the test vectors.
// GET /closed-port returns `{ port }`: a loopback port that was listening when the server
// started and is closed now, so a connection to it is refused (not a port fetch blocks, as
// it blocks 9, the discard port).
// GET /log/<id> returns what that <id> received (ids starting with "nolog" are not kept): method, Idempotency-Key, content-type, an
// attempt header (x-attempt) and an x-token header if any, body length and SHA-256 of the body. CORS is open (and Retry-After
// exposed) so browser pages on other loopback ports can read everything.
//
// As a program: `node scripted.mjs [--port N] [--lifetime-ms M]` prints `origin=<url>` and
// exits on its own after M ms (default 10 minutes), or when stdin closes.

import http from "node:http";
import net from "node:net";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "*",
};

function parseStep(text) {
  const [head, ...opts] = decodeURIComponent(text).split(";");
  const step = { head, opts: {}, headers: [] };
  for (const o of opts) {
    const i = o.indexOf("=");
    if (i < 0) step.opts[o] = true;
    else if (o.slice(0, i) === "h") {
      const [name, ...value] = o.slice(i + 1).split(":");
      step.headers.push([name, decodeURIComponent(value.join(":"))]);
    } else step.opts[o.slice(0, i)] = o.slice(i + 1);
  }
  return step;
}

/** A header value of `;h=`, with relative times made absolute. */
function headerValue(v) {
  const m = /^(epoch|epochms|rfc3339)\+([\d.]+)$/.exec(v);
  if (!m) return v;
  const at = Date.now() + Number(m[2]) * (m[1] === "epochms" ? 1 : 1000);
  if (m[1] === "epoch") return String(Math.ceil(at / 1000));
  if (m[1] === "epochms") return String(Math.ceil(at));
  return new Date(at).toISOString();
}

/** A loopback port that was free a moment ago and is closed now. */
function closedPort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function startServer({ port = 0, lifetimeMs = 10 * 60_000, files = {} } = {}) {
  const refused = await closedPort();
  const counters = new Map();
  const logs = new Map();
  const sockets = new Set();
  const timers = new Set();
  let total = 0;

  const later = (ms, fn) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    const parts = url.pathname.split("/").filter(Boolean);
    if (req.method === "OPTIONS") {
      res.writeHead(204, {
        ...CORS,
        "access-control-allow-methods": "*",
        "access-control-allow-headers": "*",
        "access-control-max-age": "600",
      });
      res.end();
      return;
    }
    if (parts[0] === "log" && parts[1]) {
      res.writeHead(200, { ...CORS, "content-type": "application/json" });
      res.end(JSON.stringify(logs.get(parts[1]) ?? []));
      return;
    }
    if (parts[0] === "files" && files[parts[1]]) {
      // Static files the tests share with every runtime (the test vectors).
      readFile(files[parts[1]]).then(
        (body) => {
          res.writeHead(200, { ...CORS, "content-type": "application/json" });
          res.end(body);
        },
        () => res.writeHead(404, CORS).end(),
      );
      return;
    }
    if (parts[0] === "closed-port") {
      res.writeHead(200, { ...CORS, "content-type": "application/json" });
      res.end(JSON.stringify({ port: refused }));
      return;
    }
    if (parts[0] === "stats") {
      res.writeHead(200, { ...CORS, "content-type": "application/json" });
      res.end(JSON.stringify({ total }));
      return;
    }
    if (parts[0] !== "s" || parts.length < 3) {
      res.writeHead(404, CORS);
      res.end("unknown route");
      return;
    }
    const [, id, script] = parts;
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      total++;
      const body = Buffer.concat(chunks);
      const n = (counters.get(id) ?? 0) + 1;
      counters.set(id, n);
      const entry = {
        n,
        method: req.method,
        key: req.headers["idempotency-key"] ?? null,
        contentType: req.headers["content-type"] ?? null,
        attemptHeader: req.headers["x-attempt"] ?? null,
        token: req.headers["x-token"] ?? null,
        bodyLength: body.length,
        bodySha256: createHash("sha256").update(body).digest("hex"),
        t: Date.now(),
      };
      // Ids starting with "nolog" are not recorded: long runs would grow the log.
      if (!id.startsWith("nolog")) {
        if (!logs.has(id)) logs.set(id, []);
        logs.get(id).push(entry);
      }
      const steps = script.split(",");
      answer(req, res, parseStep(steps[Math.min(n, steps.length) - 1]), n, body);
    });
  });

  function answer(req, res, step, n, body) {
    const { head, opts } = step;
    const delay = Number(opts.delay ?? 0);
    if (head === "stall") {
      later(60_000, () => req.socket.destroy());
      return;
    }
    if (head === "reset") {
      req.socket.destroy();
      return;
    }
    const run = () => {
      if (head === "cut") {
        res.writeHead(200, { ...CORS, "content-length": "1000" });
        res.write("x".repeat(500));
        later(10, () => req.socket.destroy());
        return;
      }
      if (head === "slow") {
        res.writeHead(200, { ...CORS, "content-type": "text/plain" });
        let i = 0;
        const tick = () => {
          res.write(`chunk${i} `);
          if (++i < 4) later(100, tick);
          else res.end();
        };
        tick();
        return;
      }
      if (head === "echo") {
        res.writeHead(200, { ...CORS, "content-type": "application/octet-stream" });
        res.end(body);
        return;
      }
      const status = Number(head);
      const headers = { ...CORS, "content-type": "text/plain" };
      if (opts.ra !== undefined) {
        if (opts.ra.startsWith("date+")) {
          headers["retry-after"] = new Date(Date.now() + Number(opts.ra.slice(5)) * 1000).toUTCString();
        } else if (opts.ra === "huge") {
          headers["retry-after"] = "99999999999";
        } else {
          headers["retry-after"] = opts.ra;
        }
      }
      if (opts.date !== undefined) {
        headers["date"] = new Date(Date.now() + Number(opts.date) * 1000).toUTCString();
      }
      if (opts.nocache) headers["cache-control"] = "no-store";
      if (opts.pb !== undefined) headers["retry-pushback-ms"] = opts.pb;
      if (opts.xrr !== undefined) headers["x-ratelimit-remaining"] = opts.xrr;
      if (opts.xrt !== undefined) headers["x-ratelimit-reset"] = opts.xrt;
      for (const [name, value] of step.headers) headers[name.toLowerCase()] = headerValue(value);
      const size = opts.size === undefined ? undefined : Number(opts.size);
      const text = size === undefined ? `${status} #${n}` : "y".repeat(size);
      res.writeHead(status, headers);
      res.end(text);
    };
    if (delay > 0) later(delay, run);
    else run();
  }

  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  let closed = false;
  const close = () =>
    new Promise((resolve) => {
      if (closed) return resolve();
      closed = true;
      clearTimeout(lifetime);
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  const lifetime = setTimeout(close, lifetimeMs);
  lifetime.unref();

  return {
    origin,
    close,
    /** Requests received so far (all ids). */
    total: () => total,
    /** What `id` received. */
    log: (id) => logs.get(id) ?? [],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(name);
    return i < 0 ? dflt : Number(process.argv[i + 1]);
  };
  const s = await startServer({ port: arg("--port", 0), lifetimeMs: arg("--lifetime-ms", 10 * 60_000) });
  console.log(`origin=${s.origin}`);
  const stop = () => s.close().then(() => process.exit(0));
  process.stdin.on("end", stop);
  process.stdin.on("error", stop);
  process.stdin.resume();
  process.on("SIGTERM", stop);
  setTimeout(stop, arg("--lifetime-ms", 10 * 60_000)).unref();
}
