// Fails when the engine's modules import each other in a circle (tests and doc links aside):
// the layout shows the design only while every module imports only the ones below it.
//
//   node scripts/check-imports.mjs
import { readdirSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const dir = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "engine");
const graph = new Map();
for (const file of readdirSync(dir).filter((f) => f.endsWith(".rs"))) {
  const name = file.slice(0, -3);
  const code = readFileSync(join(dir, file), "utf8")
    .split("#[cfg(test)]\nmod tests")[0] // unit tests may use anything
    .replace(/#\[cfg\(doc\)\]\nuse [^;]*;/g, "") // imports for doc links only
    .split("\n")
    .filter((line) => !line.trim().startsWith("//"))
    .join("\n");
  const deps = new Set([...code.matchAll(/(?:super|crate::engine)::(\w+)/g)].map((m) => m[1]));
  deps.delete(name);
  graph.set(name, deps);
}
// Depth-first search; a module met again on the current path closes a circle.
const circles = [];
const done = new Set();
const visit = (name, path) => {
  if (path.includes(name)) return circles.push([...path.slice(path.indexOf(name)), name].join(" -> "));
  if (done.has(name) || !graph.has(name)) return;
  for (const dep of graph.get(name)) visit(dep, [...path, name]);
  done.add(name);
};
for (const name of graph.keys()) visit(name, []);
if (circles.length) {
  console.error(`import circles among src/engine modules:\n  ${circles.join("\n  ")}`);
  process.exit(1);
}
console.log(`src/engine: ${graph.size} modules, no import circle`);
