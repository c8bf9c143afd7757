// The npm that `pip install` runs (pyproject.toml: hatch-jupyter-builder's `npm` setting). The builder asks
// for `npm install`, which rewrites package-lock.json whenever the lock was written by another npm version,
// leaving a fresh clone dirty; this installs exactly the committed lock instead (`npm ci`), and skips that
// when node_modules already holds it. Every other command goes to npm unchanged.
// Usage: node js/npm_ci.mjs <npm arguments>
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);

/** node_modules was installed from the committed lock (npm keeps a copy of what it installed there). */
function installedFromLock() {
  try {
    const wanted = JSON.parse(readFileSync(resolve(root, "package-lock.json"), "utf8")).packages ?? {};
    const installed = JSON.parse(readFileSync(resolve(root, "node_modules/.package-lock.json"), "utf8")).packages ?? {};
    const names = Object.keys(wanted).filter((name) => name !== "" && !wanted[name].optional);
    return names.every((name) => installed[name]?.version === wanted[name].version);
  } catch {
    return false;
  }
}

let command = args;
if (args[0] === "install" && args.length === 1) {
  if (installedFromLock()) {
    console.log("jaxwidgets: node_modules already matches package-lock.json");
    process.exit(0);
  }
  command = ["ci"];
}
const result = spawnSync("npm", command, { cwd: root, stdio: "inherit", shell: process.platform === "win32" });
process.exit(result.status ?? 1);
