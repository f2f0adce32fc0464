// A counting origin on 127.0.0.1 for the shared-state tests. Each path answers by its
// route (the first one whose prefix matches): a status and headers. Every request is logged
// with its path and arrival time (Date.now(), the clock the test processes share).

import http from "node:http";

/**
 * @param {Record<string, { status: number, headers?: Record<string, string> }>} routes
 *   by path prefix, e.g. { "/fail": { status: 503 } }; unknown paths get 404
 */
export async function startOrigin(routes) {
  const log = [];
  const server = http.createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    log.push({ path, t: Date.now() });
    const prefix = Object.keys(routes).find((p) => path.startsWith(p));
    const route = prefix === undefined ? { status: 404 } : routes[prefix];
    const body = `${route.status} ${path}`;
    res.writeHead(route.status, {
      "content-type": "text/plain",
      "content-length": Buffer.byteLength(body),
      ...route.headers,
    });
    res.end(body);
  });
  server.keepAliveTimeout = 1000;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    log,
    /** Requests to `path` (all paths when omitted) that arrived in [from, to). */
    count(path, from = -Infinity, to = Infinity) {
      return log.filter((r) => (path === undefined || r.path === path) && r.t >= from && r.t < to)
        .length;
    },
    close() {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
