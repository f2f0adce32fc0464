// Node entry: the WebAssembly beside this file, read and compiled on first use (at import
// it would cost every program that imports the package, calls or not).
import { readFileSync } from "node:fs";
import { provide } from "./abi.js";

provide(() => new WebAssembly.Module(readFileSync(new URL("./resilient_fetch.wasm", import.meta.url))));

export * from "./index.js";
