// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import { observeTheme } from "./theme";

describe("observeTheme", () => {
  it("calls back when JupyterLab marks a new theme on the body or a host restyles the root, until stopped", async () => {
    const onChange = vi.fn();
    const stop = observeTheme(document, onChange);
    const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0)); // observers run as microtasks
    document.body.dataset.jpThemeName = "JupyterLab Dark";
    await settle();
    expect(onChange).toHaveBeenCalledTimes(1);
    document.documentElement.style.setProperty("--vscode-editor-background", "#1e1e1e");
    await settle();
    expect(onChange).toHaveBeenCalledTimes(2);
    document.body.setAttribute("aria-busy", "true"); // not a theme attribute
    await settle();
    expect(onChange).toHaveBeenCalledTimes(2);
    stop();
    document.body.dataset.jpThemeName = "JupyterLab Light";
    await settle();
    expect(onChange).toHaveBeenCalledTimes(2);
  });
});
