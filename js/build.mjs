// Bundle each widget entry into one self-contained ES module in src/jaxwidgets/static/.
// Usage: node js/build.mjs [--watch]
import * as esbuild from "esbuild";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = resolve(here, "../src/jaxwidgets/static");

/** One entry per widget: js/<name>.ts -> src/jaxwidgets/static/<name>.js. Add new widgets here. */
const WIDGETS = ["surface", "descent", "posterior"];

const entryPoints = WIDGETS.map((name) => ({ in: resolve(here, `${name}.ts`), out: name })).filter((entry) =>
  existsSync(entry.in),
);

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
