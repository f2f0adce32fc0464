// Cloudflare Workers entry: Workers cannot compile WebAssembly from bytes at run time, so the
// bundler (wrangler, esbuild) imports the .wasm as a compiled module; instantiate it
// synchronously, then expose the package. No entropy is drawn here: an instance seeds itself
// on its first call, inside a request handler.
import wasm from "./wasm/resilient_fetch_bg.wasm";
import { initSync } from "./wasm/resilient_fetch.js";

initSync({ module: wasm });

export * from "./index.js";
