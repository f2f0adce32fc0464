// Runs the conformance scenarios in the runtime that executes this file (Node or Deno),
// against the package installed beside it. Prints one JSON line of results.
//   node run.mjs <origin>        deno run --allow-net=127.0.0.1 run.mjs <origin>
import * as lib from "resilient-fetch";
import { runAll } from "./scenarios.mjs";

const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
const runtime = globalThis.Deno ? "deno" : "node";
const results = await runAll(lib, args[0], runtime, args[1]);
console.log(JSON.stringify(results));
