// Nothing here is specific to resilient-fetch: webpack 5 emits the .wasm that the package's
// browser entry points at with new URL(..., import.meta.url) as an asset by itself.
import { fileURLToPath } from "node:url";

export default {
  entry: "./src/main.js",
  output: { path: fileURLToPath(new URL("out-webpack", import.meta.url)), clean: true },
};
