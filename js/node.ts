// Node entry: compile the WebAssembly from the file beside this one, synchronously, then
// expose the package.
import { readFileSync } from "node:fs";
import { initSync } from "./wasm/resilient_fetch.js";

initSync({ module: readFileSync(new URL("./wasm/resilient_fetch_bg.wasm", import.meta.url)) });

export * from "./index.js";
