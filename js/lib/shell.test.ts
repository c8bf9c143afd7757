// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import { DISCONNECTED_CLASS } from "./connection";
import { WidgetShell, type ShellTraits } from "./shell";
import { OFFLINE_NOTE } from "./static";
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

describe("WidgetShell with no kernel behind its model (html-manager rendering a notebook's saved state)", () => {
  /** A view as html-manager renders it: ipywidgets marked `el` disconnected (no comm) before render. */
  function mountSaved(manager: object, saved: unknown) {
    const model = Object.assign(new FakeModel<Traits & { _saved: unknown }>({ error: "", title: "Bowl", _saved: saved }), {
      widget_manager: manager,
    });
    const el = document.createElement("div");
    el.classList.add(DISCONNECTED_CLASS);
    document.body.append(el);
    const messages: { content: unknown; buffers: readonly unknown[] }[] = [];
    const shell = new WidgetShell<Traits, "a">({
      model,
      el,
      kind: "test",
      paint: () => {},
      onMessage: (content, buffers) => messages.push({ content, buffers }),
    });
    shell.root.append(document.createElement("button"));
    shell.start();
    return { model, el, shell, messages };
  }
  const saved = { replies: { point: { content: { value: 2 }, buffers: [{ $b64: "AACAPw==" }] } } };

  it("says it is a static copy, disables kernel controls, and answers requests from `_saved` locally", async () => {
    const { model, el, shell, messages } = mountSaved({}, saved);
    expect(shell.saved?.note).toBe(OFFLINE_NOTE);
    expect(el.classList.contains(DISCONNECTED_CLASS)).toBe(false);
    expect(shell.root.querySelector(".jaxwidgets-disconnected")).toBeNull();
    expect(shell.root.querySelector(".jaxwidgets-static-note")!.textContent).toBe(OFFLINE_NOTE);
    expect(shell.root.querySelector("button")!.disabled).toBe(true);
    const point = shell.requester<{ fetch: boolean }>("point");
    point.request({ fetch: true });
    const other = shell.requester<{ x: number }>("probe");
    other.request({ x: 1 });
    expect(model.sent).toEqual([]); // nothing goes to the comm that is not there (nor the wire handshake)
    expect(model.wire).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(messages[0]!.content).toMatchObject({ type: "point", value: 2, client: shell.clientId });
    expect(new Float32Array((messages[0]!.buffers[0] as DataView).buffer)[0]).toBe(1);
    expect(messages[1]!.content).toMatchObject({
      type: "error",
      request: "probe",
      message: expect.stringContaining("Needs the Python kernel"),
    });
  });

  it("is disconnected, not static, when its manager has a kernel (a view rendered after a restart)", () => {
    const { shell, model } = mountSaved({ kernel: null }, saved);
    expect(shell.saved).toBeNull();
    expect(shell.root.querySelector(".jaxwidgets-disconnected")).not.toBeNull();
    expect(shell.connection.lost).toBe(true);
    expect(model.sent).toEqual([]);
  });
});
