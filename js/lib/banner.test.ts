// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { createBanner } from "./banner";
import { injectStyle, readCanvasTheme, STYLE, THEME } from "./theme";

describe("banner", () => {
  it("is an alert, hidden while there is no error", () => {
    const banner = createBanner();
    expect(banner.element.getAttribute("role")).toBe("alert");
    expect(banner.element.classList.contains("jaxwidgets-error")).toBe(true);
    expect(banner.element.hidden).toBe(true);
    banner.set("TracerBoolConversionError: use jnp.where instead of if");
    expect(banner.element.hidden).toBe(false);
    banner.set("");
    expect(banner.element.hidden).toBe(true);
    banner.set(null);
    expect(banner.element.hidden).toBe(true);
  });

  it("shows markup in messages as text, never as HTML", () => {
    const banner = createBanner();
    banner.set('<img src=x onerror="alert(1)"> & <b>bold</b>');
    expect(banner.element.children).toHaveLength(0);
    expect(banner.element.textContent).toBe('<img src=x onerror="alert(1)"> & <b>bold</b>');
  });
});

describe("theme", () => {
  it("uses JupyterLab variables with fallbacks", () => {
    expect(THEME.text).toMatch(/^var\(--jp-ui-font-color1, .+\)$/);
    expect(STYLE).toContain("--jp-layout-color0");
    expect(STYLE).toContain("--jp-error-color1");
  });

  it("injects one stylesheet into the element and reads colours with fallbacks", () => {
    const root = document.createElement("div");
    injectStyle(root);
    expect(root.querySelectorAll("style")).toHaveLength(1);
    document.body.append(root);
    expect(readCanvasTheme(root).border).toBe("rgba(128, 128, 128, 0.6)");
    root.style.setProperty("--jp-border-color1", "#123456");
    expect(readCanvasTheme(root).border).toBe("#123456");
    root.remove();
  });
});
