/**
 * A view's side of the binary-buffer handshake (src/jaxwidgets/_wire.py describes the protocol).
 *
 * The view's first message carries one probe buffer. Python answers `base64: true` when that buffer did not
 * arrive (the page's manager drops buffers, as Colab's CDN manager does), else with a probe buffer of its
 * own; a view that gets that answer without the buffer asks for base64 itself. Once switched, Python's
 * messages carry their buffers as base64 text in `_b64`, decoded here into the buffers the widget reads, so
 * widgets never see the difference. When buffers arrive nothing is decoded or copied.
 */
import { type BinaryLike, base64Bytes } from "./arrays";

export const WIRE = "_wire";
const PROBE = new Uint8Array([42]);

interface WireReply {
  type: typeof WIRE;
  client?: unknown;
  base64?: unknown;
}

function isWire(content: unknown): content is WireReply {
  return typeof content === "object" && content !== null && (content as { type?: unknown }).type === WIRE;
}

export interface WireOptions {
  client: string;
  /** model.send with buffers. */
  send(content: unknown, buffers?: ArrayBuffer[]): void;
  /** Python switched to base64 after this view's replies had lost their buffers: ask again. */
  onLateSwitch?(): void;
}

export class Wire {
  /** Python sends this view's buffers as base64 text. */
  base64 = false;
  private asked = false;

  constructor(private readonly options: WireOptions) {}

  /** The handshake: call before the view's first request. */
  hello(): void {
    this.options.send({ type: WIRE, client: this.options.client }, [PROBE.slice().buffer]);
  }

  /**
   * A custom message as the widget should see it: null for the handshake's own, the `_b64` texts decoded into
   * the buffers (only when there are none beside it), or the message as it came.
   */
  receive(content: unknown, buffers: readonly BinaryLike[]): { content: unknown; buffers: readonly BinaryLike[] } | null {
    if (isWire(content)) {
      if (content.client === this.options.client) this.answered(content, buffers);
      return null;
    }
    if (buffers.length === 0 && typeof content === "object" && content !== null) {
      const texts = (content as { _b64?: unknown })._b64;
      if (Array.isArray(texts)) return { content, buffers: texts.map((text) => base64Bytes(String(text))) };
    }
    return { content, buffers };
  }

  private answered(reply: WireReply, buffers: readonly BinaryLike[]): void {
    if (reply.base64 === true) {
      const late = this.asked; // our requests went out before Python knew: their replies had no buffers
      this.base64 = true;
      if (late) this.options.onLateSwitch?.();
    } else if (buffers.length === 0 && !this.asked) {
      this.asked = true; // Python's probe lost its buffer on the way here
      this.options.send({ type: WIRE, client: this.options.client, base64: true });
    }
  }
}
