// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { followPageTheme, observeTheme, pageTheme } from "./theme";

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

describe("pageTheme and followPageTheme", () => {
  afterEach(() => {
    document.body.className = "";
    delete document.body.dataset.jpThemeLight;
  });

  it("reads JupyterLab's, Notebook 7's and Voila's mark, marimo's and VS Code's classes", () => {
    expect(pageTheme(document)).toBe("light");
    document.body.dataset.jpThemeLight = "false";
    expect(pageTheme(document)).toBe("dark");
    delete document.body.dataset.jpThemeLight;
    document.body.className = "dark dark-theme"; // marimo
    expect(pageTheme(document)).toBe("dark");
    document.body.className = "light light-theme";
    expect(pageTheme(document)).toBe("light");
    document.body.className = "vscode-dark";
    expect(pageTheme(document)).toBe("dark");
  });

  it("marks the root and follows a switch of the page's theme", async () => {
    const root = document.createElement("div");
    document.body.append(root);
    const stop = followPageTheme(root);
    expect([root.dataset.theme, root.style.colorScheme]).toEqual(["light", "light"]);
    document.body.className = "dark dark-theme";
    await new Promise((resolve) => setTimeout(resolve, 0)); // MutationObserver callbacks are microtasks
    expect([root.dataset.theme, root.style.colorScheme]).toEqual(["dark", "dark"]);
    stop();
    root.remove();
  });
});
