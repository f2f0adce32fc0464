// Starts the real rate limiters on 127.0.0.1, each a fresh instance (fresh quota) per call:
// nginx limit_req (a non-daemon child with its own prefix in a temp dir) and the express /
// fastify servers of server.mjs (one child process each). Every server reports a log of
// [epoch ms, status] per response it sent.
import { spawn, fork, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, chmodSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const NGINX = "/usr/sbin/nginx";

// Every server, with its quota: a fixed window of `limit` per `windowMs`, or nginx's leaky
// bucket (rate per second plus a burst served without delay).
export const SERVERS = [
  { id: "nginx", title: "nginx limit_req (10 r/s, burst=10 nodelay; no hint headers)", quota: { kind: "bucket", rate: 10, burst: 10 } },
  { id: "express-draft-6", title: "express-rate-limit, standardHeaders draft-6 + legacy (20 / 2 s)", quota: { kind: "window", limit: 20, windowMs: 2000 } },
  { id: "express-draft-7", title: "express-rate-limit, standardHeaders draft-7 + legacy (20 / 2 s)", quota: { kind: "window", limit: 20, windowMs: 2000 } },
  { id: "express-draft-8", title: "express-rate-limit, standardHeaders draft-8 + legacy (20 / 2 s)", quota: { kind: "window", limit: 20, windowMs: 2000 } },
  { id: "fastify", title: "@fastify/rate-limit (20 / 2 s)", quota: { kind: "window", limit: 20, windowMs: 2000 } },
];

// The least time the quota allows for n successes, in ms: a fixed window of L per W needs
// (ceil(n/L) - 1) x W; nginx's bucket serves burst + 1 at once, then one per 1/rate s.
export function floorMs(quota, n) {
  if (quota.kind === "window") return Math.max(0, Math.ceil(n / quota.limit) - 1) * quota.windowMs;
  return Math.max(0, n - (quota.burst + 1)) * (1000 / quota.rate);
}

export function nginxVersion() {
  // nginx prints its version on stderr: "nginx version: nginx/1.22.1".
  const { stdout, stderr } = spawnSync(NGINX, ["-v"], { encoding: "utf8" });
  return (stderr + stdout).trim().replace(/^nginx version: nginx\//, "");
}

export async function startServer(id) {
  return id === "nginx" ? startNginx() : startNode(id);
}

const live = new Set();
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

async function startNode(id) {
  const child = fork(new URL("./server.mjs", import.meta.url), [id], { stdio: ["ignore", "pipe", "inherit", "ipc"] });
  live.add(child);
  const port = await new Promise((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (d) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)).port);
    });
    child.once("exit", (code) => reject(new Error(`${id} server exited with ${code}`)));
  });
  return {
    id,
    url: `http://127.0.0.1:${port}/`,
    async log() {
      return new Promise((resolve) => {
        child.once("message", (m) => resolve(m.log));
        child.send("dump");
      });
    },
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.disconnect();
      await exited;
      live.delete(child);
    },
  };
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, child, deadlineMs = 10_000) {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
    const ok = await new Promise((resolve) => {
      const sock = connect(port, "127.0.0.1");
      sock.once("connect", () => { sock.destroy(); resolve(true); });
      sock.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nginx did not listen on ${port}`);
}

export function nginxConfig(dir, port) {
  return `# limit_req as documented; everything else confined to this temp prefix.
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  log_format bench '$msec $status';
  access_log ${dir}/access.log bench;
  # One key for every client: all share one quota.
  limit_req_zone "all" zone=all:1m rate=10r/s;
  server {
    listen 127.0.0.1:${port};
    root ${dir}/html;
    location / {
      limit_req zone=all burst=10 nodelay;
      limit_req_status 429;
      default_type text/plain;
      try_files /ok.txt =404;
    }
  }
}
`;
}

async function startNginx() {
  const dir = mkdtempSync(join(tmpdir(), "rf-nginx-"));
  // Readable by the worker, which runs as an unprivileged user when the master is root.
  chmodSync(dir, 0o755);
  mkdirSync(`${dir}/html`);
  mkdirSync(`${dir}/tmp`);
  writeFileSync(`${dir}/html/ok.txt`, "ok\n");
  const port = await freePort();
  writeFileSync(`${dir}/nginx.conf`, nginxConfig(dir, port));
  const child = spawn(NGINX, ["-p", dir, "-c", `${dir}/nginx.conf`, "-e", `${dir}/error.log`], { stdio: ["ignore", "inherit", "inherit"] });
  live.add(child);
  await waitForPort(port, child);
  return {
    id: "nginx",
    url: `http://127.0.0.1:${port}/`,
    async log() {
      const text = readFileSync(`${dir}/access.log`, "utf8");
      return text.split("\n").filter(Boolean).map((line) => {
        const [msec, status] = line.split(" ");
        return [Math.round(Number(msec) * 1000), Number(status)];
      });
    },
    async stop() {
      const exited = new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
      child.kill("SIGTERM"); // fast shutdown of master and worker
      await exited;
      live.delete(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
