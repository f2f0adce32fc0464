// Regenerates tests/fixtures/ratelimit-servers.json from the real servers: for each, the
// response headers of the last request allowed before the quota ran out (a 200) and of the
// first refused one (a 429), sent one after another on one keep-alive connection. Header names
// lowercased (as HTTP/1.1 makes them case-insensitive), in the order sent, values verbatim;
// nothing stripped: `date` and the reset values are those of the capture.
//   node bench/limiters/capture-fixtures.mjs [server ids...]   (default: all five)
import http from "node:http";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { SERVERS, startServer, nginxVersion } from "./servers.mjs";

const out = new URL("../../tests/fixtures/ratelimit-servers.json", import.meta.url);
const wanted = process.argv.slice(2);
const ids = wanted.length ? wanted : SERVERS.map((s) => s.id);

const pkgVersion = (name) =>
  JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), "utf8")).version;

function software(id) {
  if (id === "nginx") return { nginx: nginxVersion() };
  if (id === "fastify") return { fastify: pkgVersion("fastify"), "@fastify/rate-limit": pkgVersion("@fastify/rate-limit") };
  return { express: pkgVersion("express"), "express-rate-limit": pkgVersion("express-rate-limit") };
}

function config(id) {
  if (id === "nginx") return 'limit_req_zone "all" zone=all:1m rate=10r/s; limit_req zone=all burst=10 nodelay; limit_req_status 429; a static 3-byte file otherwise';
  if (id === "fastify") return "@fastify/rate-limit { max: 20, timeWindow: 2000, keyGenerator: () => 'all' }; the route replies \"ok\\n\"";
  return `rateLimit({ windowMs: 2000, limit: 20, standardHeaders: '${id.slice(8)}', legacyHeaders: true, keyGenerator: () => 'all' }); the route replies "ok\\n"`;
}

function get(agent, url) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => {
        const headers = {};
        const repeated = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i].toLowerCase();
          const value = res.rawHeaders[i + 1];
          if (name in headers) {
            headers[name] += `, ${value}`;
            repeated.push(name);
          } else headers[name] = value;
        }
        resolve({ status: res.statusCode, headers, ...(repeated.length ? { repeatedHeadersJoined: repeated } : {}), body });
      });
    }).on("error", reject);
  });
}

async function capture(id) {
  const server = await startServer(id);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    let allowed = null;
    for (let n = 1; n <= 100; n++) {
      const r = await get(agent, server.url);
      if (r.status === 429) {
        if (!allowed) throw new Error(`${id}: the first request was refused`);
        return { allowed, limited: { request: n, ...r } };
      }
      if (r.status !== 200) throw new Error(`${id}: unexpected status ${r.status}`);
      allowed = { request: n, ...r };
    }
    throw new Error(`${id}: no 429 after 100 requests`);
  } finally {
    agent.destroy();
    await server.stop();
  }
}

const previous = existsSync(out) ? JSON.parse(readFileSync(out, "utf8")).servers : {};
const servers = { ...previous };
for (const id of ids) {
  const { allowed, limited } = await capture(id);
  servers[id] = {
    title: SERVERS.find((s) => s.id === id).title,
    software: software(id),
    config: config(id),
    capturedAt: new Date().toISOString(),
    allowed,
    limited,
  };
  console.log(`${id}: request ${allowed.request} allowed, ${limited.request} refused`);
}
const ordered = Object.fromEntries(SERVERS.filter((s) => servers[s.id]).map((s) => [s.id, servers[s.id]]));
const doc = {
  description:
    "Responses of real, unmodified rate limiters on 127.0.0.1, requests sent one after another on one " +
    "keep-alive connection from a fresh quota: `allowed` is the last 200 before the quota ran out, " +
    "`limited` the first 429. Header names lowercased, in the order sent; values verbatim.",
  stripped: "nothing: every header is kept, `date` and the reset values included (they are those of the capture)",
  regenerate: "node bench/limiters/capture-fixtures.mjs [server ids]",
  servers: ordered,
};
writeFileSync(out, JSON.stringify(doc, null, 2) + "\n");
console.log(`wrote ${out.pathname}`);
