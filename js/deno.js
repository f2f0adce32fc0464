// Deno entry: import the WebAssembly module itself (a source-phase import needs no read
// permission), instantiate it synchronously, then expose the package.
import source wasm from "./wasm/resilient_fetch_bg.wasm";
import { initSync } from "./wasm/resilient_fetch.js";

initSync({ module: wasm });

export * from "./index.js";
