// @vitest-environment jsdom
/**
 * The binary-buffer handshake and base64 fallback (lib/wire.ts), against a fake Python that follows
 * src/jaxwidgets/_wire.py, through managers that deliver buffers, drop them both ways (Colab's CDN manager)
 * or drop only Python's.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type BinaryLike, type BufferRecord, decodeMessageArray } from "./arrays";
import { type ShellTraits, WidgetShell } from "./shell";
import { FakeModel } from "./testing";
import { WIRE } from "./wire";

type Received = { content: Record<string, unknown>; buffers: readonly BinaryLike[] };

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** Python's side (_base.py + _wire.py): answers the handshakes, and each probe request with f(x) = 2x. */
class FakePython {
  base64 = false;
  private wireSeen = 0;
  private sentSeen = 0;
  constructor(private readonly model: FakeModel<ShellTraits>) {}

  /** Answer what the page has sent so far, handshakes first (the view sends its handshake first). */
  answer(): void {
    const [wireEnd, sentEnd] = [this.model.wire.length, this.model.sent.length];
    while (this.wireSeen < wireEnd) {
      const { content, buffers } = this.model.wire[this.wireSeen++]!;
      if (content.base64 === true || buffers.length === 0) {
        this.base64 = true;
        this.model.receive({ type: WIRE, client: content.client, base64: true });
      } else {
        this.model.receive({ type: WIRE, client: content.client }, [new Uint8Array([42]).buffer]);
      }
    }
    while (this.sentSeen < sentEnd) {
      const request = this.model.sent[this.sentSeen++]!;
      const bytes = new Uint8Array(new Float32Array([2 * Number(request.x)]).buffer);
      const reply = { type: "probe", seq: request.seq, client: request.client, result: { buffer: 0, dtype: "float32", shape: [1] } };
      if (this.base64) this.model.receive({ ...reply, _b64: [base64(bytes)] });
      else this.model.receive(reply, [bytes]);
    }
  }
}

function mount(options: { dropBuffers?: boolean; dropPythonsOnly?: boolean } = {}) {
  const model = new FakeModel<ShellTraits>({ error: "" });
  model.dropBuffers = options.dropBuffers ?? false;
  const python = new FakePython(model);
  if (options.dropPythonsOnly) {
    const deliver = model.receive.bind(model);
    model.receive = (content) => deliver(content, []);
  }
  const received: Received[] = [];
  const el = document.createElement("div");
  document.body.append(el);
  const shell = new WidgetShell<ShellTraits>({
    model,
    el,
    kind: "test",
    paint: () => {},
    onMessage: (content, buffers) => received.push({ content: content as Record<string, unknown>, buffers }),
  });
  const probe = shell.requester<{ x: number }>("probe");
  shell.start();
  probe.request({ x: 1.5 }); // a view's first request goes out at once, before Python has answered the handshake
  return { model, python, shell, probe, received };
}

/** What the widget reads from a probe reply: decoded from the buffers the shell handed it. */
function value(message: Received): number {
  return decodeMessageArray(message.content.result as BufferRecord, message.buffers).data[0]!;
}

afterEach(() => document.body.replaceChildren());

describe("binary buffers or base64", () => {
  it("keeps binary buffers where they arrive: nothing encoded, decoded or asked again", () => {
    const { model, python, received } = mount();
    expect(model.wire.map((w) => [w.content.type, w.buffers.length])).toEqual([[WIRE, 1]]);
    python.answer();
    expect(python.base64).toBe(false);
    expect(received).toHaveLength(1);
    expect(received[0]!.content._b64).toBeUndefined();
    expect(received[0]!.buffers[0]).toBeInstanceOf(Uint8Array); // the very buffer Python sent, not a copy
    expect(value(received[0]!)).toBe(3);
    expect(model.wire).toHaveLength(1);
    expect(model.sent).toHaveLength(1);
  });

  it("through a manager that drops buffers both ways, Python hears it from the handshake and sends base64", () => {
    const { model, python, shell, received } = mount({ dropBuffers: true });
    python.answer();
    expect(python.base64).toBe(true);
    expect(shell.wire.base64).toBe(true);
    expect(received).toHaveLength(1);
    expect(value(received[0]!)).toBe(3); // the widget reads its arrays as if they had come as buffers
    expect(model.wire).toHaveLength(1); // the page had nothing to report
    expect(model.sent).toHaveLength(1);
  });

  it("where only Python's buffers are dropped, the page asks for base64 and asks its question again", () => {
    const { model, python, probe, received } = mount({ dropPythonsOnly: true });
    python.answer(); // the handshake's probe buffer and the first reply's buffer are lost on the way
    expect(model.wire.map((w) => w.content.base64)).toEqual([undefined, true]);
    expect(() => value(received[0]!)).toThrow(RangeError); // what the widget would have got
    python.answer(); // Python switches, confirms; the page repeats its newest request
    expect(model.sent.map((m) => [m.x, m.seq])).toEqual([
      [1.5, 1],
      [1.5, 2],
    ]);
    python.answer();
    expect(value(received.at(-1)!)).toBe(3);
    expect(probe.inFlightSeq).toBe(2);
  });
});
