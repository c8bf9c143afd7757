// Bundle each widget entry into one self-contained ES module in src/jaxwidgets/static/.
// Usage: node js/build.mjs [--watch]
import * as esbuild from "esbuild";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync, readdirSync } from "node:fs";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = resolve(here, "../src/jaxwidgets/static");

/**
 * Every widget is an entry: a folder js/<widget>/ with an index.ts (lib/ is the shared parts, not a widget),
 * or a module js/<widget>.ts. Each becomes src/jaxwidgets/static/<widget>.js; nothing to register here.
 */
function widgetEntries(dir = here) {
  const entries = [];
  for (const item of readdirSync(dir, { withFileTypes: true })) {
    if (item.isDirectory() && item.name !== "lib" && existsSync(resolve(dir, item.name, "index.ts"))) {
      entries.push({ in: resolve(dir, item.name, "index.ts"), out: item.name });
    } else if (item.isFile() && item.name.endsWith(".ts") && !item.name.endsWith(".test.ts")) {
      entries.push({ in: resolve(dir, item.name), out: item.name.slice(0, -3) });
    }
  }
  return entries.sort((a, b) => a.out.localeCompare(b.out));
}

const entryPoints = widgetEntries();

const options = {
  entryPoints,
  outdir,
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: !process.env.JAXWIDGETS_NO_MINIFY, // JAXWIDGETS_NO_MINIFY=1: readable names in browser profiles
  sourcemap: false,
  legalComments: "none",
  logLevel: "info",
};

if (process.argv.includes("--watch")) {
  const context = await esbuild.context(options);
  await context.watch();
  console.log(`watching ${entryPoints.map((e) => e.out).join(", ")} -> ${outdir}`);
} else {
  await esbuild.build(options);
}
