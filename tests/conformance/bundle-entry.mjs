// The conformance page's script as an application bundles it (esbuild, browser conditions):
// proves the package survives bundling and finds its .wasm beside the bundle.
import * as lib from "resilient-fetch";
import { runAll } from "./scenarios.mjs";

const params = new URLSearchParams(location.search);
window.results = await runAll(lib, params.get("origin"), "esbuild", params.get("only") ?? undefined);
window.done = true;
