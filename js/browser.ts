// Browser entry (and any runtime that fetches module-relative URLs): stream-compile the
// WebAssembly beside this file while the page loads, then expose the package. Bundlers
// (Vite, webpack) pick the `.wasm` up through `new URL(..., import.meta.url)`.
import { provide } from "./abi.js";

const url = new URL("./resilient_fetch.wasm", import.meta.url);

async function compile(): Promise<WebAssembly.Module> {
  const response = fetch(url);
  try {
    return await WebAssembly.compileStreaming(response);
  } catch {
    // A server that does not send `application/wasm`: compile from the bytes.
    return WebAssembly.compile(await (await fetch(url)).arrayBuffer());
  }
}

const module = await compile();
provide(() => module);

export * from "./index.js";
