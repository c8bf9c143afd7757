// @vitest-environment jsdom
/**
 * Every widget bundle has the module shape anywidget documents: `export default { render }` (and
 * `initialize` where needed), and no named `render` export. anywidget (0.9+) checks `mod.render` first and,
 * when it is there, logs "Direct export of a 'render' will likely be deprecated" for every view.
 */
import { describe, expect, it } from "vitest";
import * as curveFit from "./curve_fit";
import * as densityFit from "./density_fit";
import * as derivative from "./derivative/index";
import * as descent from "./descent/index";
import * as jacobian from "./jacobian/index";
import * as jitInspector from "./jit_inspector/index";
import * as posterior from "./posterior";
import * as randomKeys from "./random_keys/index";
import * as surface from "./surface/index";

describe.each([
  ["surface", surface],
  ["descent", descent],
  ["posterior", posterior],
  ["curve_fit", curveFit],
  ["density_fit", densityFit],
  ["derivative", derivative],
  ["jacobian", jacobian],
  ["random_keys", randomKeys],
  ["jit_inspector", jitInspector],
] as const)("%s entry module", (_name, module) => {
  it("exports render only through its default export", () => {
    expect(Object.keys(module)).not.toContain("render");
    expect(Object.keys(module)).not.toContain("initialize");
    expect(typeof module.default.render).toBe("function");
  });
});
