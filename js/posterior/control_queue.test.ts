import { afterEach, describe, expect, it, vi } from "vitest";
import { Requester } from "../lib/flow";
import { ControlQueue, type ControlPayload, type ControlRequest } from "./control_queue";

afterEach(() => vi.useRealTimers());

describe("ControlQueue", () => {
  it("keeps one request in flight, newest value per slider, and sends every slider's final value", () => {
    const sent: ControlRequest[] = [];
    const queue = new ControlQueue((onIdle) => new Requester<ControlPayload>({ type: "control", send: (m) => sent.push(m), onIdle }));
    queue.request({ name: "a", value: 1 });
    queue.request({ name: "a", value: 2 });
    queue.request({ name: "b", value: 10 });
    queue.request({ name: "a", value: 3 });
    expect(sent).toEqual([{ type: "control", name: "a", value: 1, seq: 1, quiet: true }]);
    expect(queue.busyWith("a")).toBe(true);
    expect(queue.busyWith("b")).toBe(true);
    queue.accept(1);
    queue.accept(2);
    queue.accept(3);
    expect(sent.map((m) => [m.name, m.value, m.seq])).toEqual([
      ["a", 1, 1],
      ["b", 10, 2],
      ["a", 3, 3],
    ]);
    expect(queue.busy).toBe(false);
  });

  it("frees the slot after the timeout", () => {
    vi.useFakeTimers();
    const sent: ControlRequest[] = [];
    const queue = new ControlQueue(
      (onIdle) => new Requester<ControlPayload>({ type: "control", send: (m) => sent.push(m), timeoutMs: 100, onIdle }),
    );
    queue.request({ name: "a", value: 1 });
    queue.request({ name: "a", value: 2 });
    vi.advanceTimersByTime(150);
    expect(sent.map((m) => m.value)).toEqual([1, 2]);
    queue.dispose();
  });
});
