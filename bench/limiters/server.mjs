// One real, unmodified rate limiter in its own process, for the limiter benchmark and the
// header fixtures. Express with express-rate-limit (one process per header draft) or fastify
// with @fastify/rate-limit; each keys every request to one shared quota. The only addition is
// a log of (time, status) per response, taken outside the limiter, for the per-second charts.
//   node bench/limiters/server.mjs express-draft-6|express-draft-7|express-draft-8|fastify
// Prints {"port": N} on stdout once listening; on an IPC message "dump" replies with the log.
const kind = process.argv[2];
const log = []; // [epoch ms, status]
const record = (status) => log.push([Date.now(), status]);
const sharedKey = () => "all";

let port;
if (kind.startsWith("express-draft-")) {
  const { default: express } = await import("express");
  const { rateLimit } = await import("express-rate-limit");
  const app = express();
  app.use((req, res, next) => {
    res.on("finish", () => record(res.statusCode));
    next();
  });
  app.use(rateLimit({
    windowMs: 2000,
    limit: 20,
    standardHeaders: kind.slice("express-".length), // "draft-6" | "draft-7" | "draft-8"
    legacyHeaders: true,
    keyGenerator: sharedKey,
  }));
  app.get("/", (req, res) => res.send("ok\n"));
  const server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  port = server.address().port;
} else if (kind === "fastify") {
  const { default: Fastify } = await import("fastify");
  const { default: rateLimit } = await import("@fastify/rate-limit");
  const app = Fastify({ logger: false });
  app.addHook("onResponse", async (req, reply) => record(reply.statusCode));
  await app.register(rateLimit, { max: 20, timeWindow: 2000, keyGenerator: sharedKey });
  app.get("/", async () => "ok\n");
  await app.listen({ port: 0, host: "127.0.0.1" });
  port = app.server.address().port;
} else {
  console.error(`unknown server kind ${kind}`);
  process.exit(2);
}

process.on("message", (m) => {
  if (m === "dump") process.send({ log });
});
process.on("disconnect", () => process.exit(0));
console.log(JSON.stringify({ port }));
