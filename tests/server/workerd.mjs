// Runs a Worker the way a Workers user ships one: bundled by esbuild with the workerd export
// conditions (the package's .wasm imported as a compiled module), then started in workerd
// through miniflare. Shared by the conformance suite, the workerd soak and the start-up bench.

import * as esbuild from "esbuild";
import { Miniflare } from "miniflare";
import { basename, join } from "node:path";

/** Bundles `entry` (relative to `dir`) into `outdir` and starts it; returns the Miniflare. */
export async function startWorker(dir, entry, outdir) {
  return runWorker(outdir, await bundleWorker(dir, entry, outdir));
}

/** Bundles `entry` (relative to `dir`) into `outdir`; returns the bundle's path. */
export async function bundleWorker(dir, entry, outdir) {
  await esbuild.build({
    absWorkingDir: dir,
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    loader: { ".wasm": "copy" },
    outdir,
    logLevel: "error",
  });
  return join(outdir, basename(entry).replace(/\.m?js$/, ".js"));
}

/** Starts the bundle at `scriptPath` (modules under `outdir`) in workerd. */
export function runWorker(outdir, scriptPath) {
  return new Miniflare({
    modules: true,
    scriptPath,
    modulesRoot: outdir,
    modulesRules: [
      { type: "CompiledWasm", include: ["**/*.wasm"] },
      { type: "ESModule", include: ["**/*.js"] },
    ],
    compatibilityDate: "2025-01-01",
  });
}
