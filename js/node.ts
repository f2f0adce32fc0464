// Node entry: the WebAssembly beside this file, read now and compiled on first use (a
// compile at import would cost every program that imports the package and never calls it).
import { readFileSync } from "node:fs";
import { provide } from "./abi.js";

const bytes = readFileSync(new URL("./resilient_fetch.wasm", import.meta.url));
provide(() => new WebAssembly.Module(bytes));

export * from "./index.js";
