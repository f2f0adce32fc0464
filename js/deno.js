// Deno entry: import the WebAssembly module itself (a source-phase import needs no read
// permission); it is instantiated on first use.
import source wasm from "./resilient_fetch.wasm";
import { provide } from "./abi.js";

provide(() => wasm);

export * from "./index.js";
