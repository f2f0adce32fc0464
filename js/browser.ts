// Browser entry (and any runtime that fetches module-relative URLs): stream-compile the
// WebAssembly beside this file, then expose the package.
import init from "./wasm/resilient_fetch.js";

await init({ module_or_path: new URL("./wasm/resilient_fetch_bg.wasm", import.meta.url) });

export * from "./index.js";
