// Cloudflare Workers entry: Workers cannot compile WebAssembly from bytes at run time, so the
// bundler (wrangler, esbuild) imports the .wasm as a compiled module; it is instantiated on
// first use (no work at start-up, and no entropy drawn outside a request handler).
import wasm from "./resilient_fetch.wasm";
import { provide } from "./abi.js";

provide(() => wasm);

export * from "./index.js";
