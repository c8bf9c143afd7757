// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import { WidgetShell, type ShellTraits } from "./shell";
import { FakeModel } from "./testing";

type Traits = ShellTraits & { title: string };
const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

function mount(overrides: Partial<Traits> = {}) {
  const model = new FakeModel<Traits>({ error: "", title: "Bowl", _instance: "w1", ...overrides });
  const el = document.createElement("div");
  document.body.append(el);
  const painted: string[][] = [];
  const messages: unknown[] = [];
  let lost = 0;
  const shell = new WidgetShell<Traits, "a" | "b">({
    model,
    el,
    kind: "test",
    paint: (parts) => painted.push([...parts].sort()),
    onMessage: (content) => messages.push(content),
    onDisconnect: () => (lost += 1),
  });
  return { model, el, shell, painted, messages, lost: () => lost };
}

afterEach(() => document.body.replaceChildren());

describe("WidgetShell", () => {
  it("builds the root with the shared style, the title and a hidden banner, bound to their traits", () => {
    const { model, el } = mount();
    const root = el.querySelector<HTMLElement>(".jaxwidgets.jaxwidgets-test")!;
    expect(root.querySelector("style")).not.toBeNull();
    expect(root.querySelector(".jaxwidgets-title")!.textContent).toBe("Bowl");
    const banner = root.querySelector<HTMLElement>(".jaxwidgets-error")!;
    expect(banner.hidden).toBe(true);
    model.set("error", "<b>f raised</b>");
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toBe("<b>f raised</b>"); // text, never HTML
    model.set("title", "Two minima");
    expect(root.querySelector(".jaxwidgets-title")!.textContent).toBe("Two minima");
  });

  it("paints the invalidated parts once per animation frame", async () => {
    const { shell, painted } = mount();
    shell.invalidate("a");
    shell.invalidate("b", "a");
    await nextFrame();
    expect(painted).toEqual([["a", "b"]]);
    await nextFrame();
    expect(painted).toHaveLength(1);
  });

  it("routes this view's acks and errors to the requester of their kind, ignores other views', passes all on", () => {
    const { model, shell, messages } = mount();
    const run = shell.requester<object>("run", { acks: true });
    const probe = shell.requester<{ x: number }>("probe");
    run.request({});
    probe.request({ x: 1 });
    expect(model.sent.map((m) => [m.type, m.client])).toEqual([
      ["run", shell.clientId],
      ["probe", shell.clientId],
    ]);
    model.emit("msg:custom", { type: "run", seq: 1, client: "another-view" });
    expect(run.busy).toBe(true);
    model.emit("msg:custom", { type: "run", seq: 1, client: shell.clientId });
    expect(run.busy).toBe(false);
    model.emit("msg:custom", { type: "probe", seq: 1, client: shell.clientId, x: 1 });
    expect(probe.busy).toBe(true); // a data reply is the widget's to accept
    model.emit("msg:custom", { type: "error", request: "probe", seq: 1, client: shell.clientId, message: "bad" });
    expect(probe.busy).toBe(false);
    expect(messages).toHaveLength(4);
  });

  it("routes the acks and errors of an alias kind (reset_view through the view requester) to its requester", () => {
    const { model, shell } = mount();
    const view = shell.requester<{ type?: string }>("view", { acks: true, aliases: ["reset_view"] });
    view.request({ type: "reset_view" });
    expect(model.sent.map((m) => [m.type, m.seq])).toEqual([["reset_view", 1]]);
    model.emit("msg:custom", { type: "reset_view", seq: 1, client: shell.clientId });
    expect(view.busy).toBe(false);
    view.request({});
    model.emit("msg:custom", { type: "error", request: "reset_view", seq: 2, client: shell.clientId, message: "bad" });
    expect(view.busy).toBe(false);
    expect(() => shell.requester("reset_view")).toThrow(/second requester/);
  });

  it("refuses a second requester for one kind", () => {
    const { shell } = mount();
    shell.requester("run");
    expect(() => shell.requester("run")).toThrow(/second requester/);
  });

  it("on a lost connection disposes its requesters and tells the widget; destroy removes every listener", () => {
    const { model, el, shell, lost } = mount();
    const run = shell.requester<object>("run", { acks: true });
    shell.start();
    model.emit("comm_live_update");
    expect(lost()).toBe(1);
    run.request({});
    expect(model.sent).toHaveLength(0);
    shell.listen(el, "click", () => {});
    shell.destroy();
    expect(model.listenerCount()).toBe(0);
    expect(el.querySelector(".jaxwidgets")).toBeNull();
  });
});
