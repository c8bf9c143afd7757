import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type Request, Requester } from "./flow";

interface Probe {
  x: number;
  y: number;
}

/** A fake kernel: records what was sent; the test decides when and in which order it replies. */
function setup(timeoutMs?: number) {
  const sent: Request<Probe>[] = [];
  const onIdle = vi.fn();
  const requester = new Requester<Probe>({ type: "probe", send: (m) => sent.push(m), timeoutMs, onIdle });
  return { sent, requester, onIdle };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("Requester", () => {
  it("sends at once when idle, with type and seq starting at 1", () => {
    const { sent, requester } = setup();
    requester.request({ x: 1, y: 2 });
    expect(sent).toEqual([{ type: "probe", seq: 1, quiet: true, x: 1, y: 2 }]);
    expect(requester.busy).toBe(true);
    expect(requester.inFlightSeq).toBe(1);
  });

  it("keeps one in flight and sends only the newest pending payload on reply", () => {
    const { sent, requester, onIdle } = setup();
    requester.request({ x: 1, y: 0 });
    requester.request({ x: 2, y: 0 });
    requester.request({ x: 3, y: 0 });
    expect(sent).toHaveLength(1);
    expect(requester.accept(1)).toBe(true);
    expect(sent.map((m) => m.x)).toEqual([1, 3]);
    expect(sent[1]!.seq).toBe(2);
    expect(onIdle).not.toHaveBeenCalled();
    requester.accept(2);
    expect(requester.busy).toBe(false);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it("turns a storm of 1000 requests into a few sends, the last payload always sent", () => {
    const { sent, requester } = setup();
    for (let k = 0; k < 1000; k++) {
      requester.request({ x: k, y: -k });
      // The kernel answers every 100th event (a slow kernel during a fast drag).
      if (k % 100 === 99) requester.accept(requester.inFlightSeq!);
    }
    while (requester.busy) requester.accept(requester.inFlightSeq!);
    expect(sent.length).toBeLessThanOrEqual(12);
    expect(sent.at(-1)).toMatchObject({ x: 999, y: -999 });
    // Sequence numbers increase by one per message actually sent.
    expect(sent.map((m) => m.seq)).toEqual(sent.map((_, k) => k + 1));
  });

  it("sends the last payload even when the final reply comes long after the drag ended", () => {
    const { sent, requester } = setup();
    requester.request({ x: 0, y: 0 });
    for (let k = 1; k <= 50; k++) requester.request({ x: k, y: k });
    vi.advanceTimersByTime(3000);
    requester.accept(1);
    expect(sent.at(-1)).toMatchObject({ seq: 2, x: 50, y: 50 });
  });

  it("drops stale replies that arrive out of order", () => {
    const { requester } = setup();
    requester.request({ x: 1, y: 1 });
    requester.request({ x: 2, y: 2 });
    expect(requester.accept(1)).toBe(true);
    requester.request({ x: 3, y: 3 });
    expect(requester.accept(2)).toBe(true);
    // A late duplicate or delayed reply for seq 1 is older than what was accepted.
    expect(requester.accept(1)).toBe(false);
    expect(requester.accept(3)).toBe(true);
    expect(requester.accept(2)).toBe(false);
  });

  it("does not free the slot for a reply to some other seq", () => {
    const { sent, requester } = setup();
    requester.request({ x: 1, y: 1 });
    requester.request({ x: 2, y: 2 });
    // A reply caused by Python itself (seq = newest it has seen, here 0) or another view.
    expect(requester.accept(0)).toBe(true);
    expect(requester.inFlightSeq).toBe(1);
    expect(sent).toHaveLength(1);
  });

  it("frees the slot after the timeout so the widget never freezes", () => {
    const { sent, requester, onIdle } = setup();
    requester.request({ x: 1, y: 1 });
    requester.request({ x: 2, y: 2 });
    vi.advanceTimersByTime(4999);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({ seq: 2, x: 2 });
    vi.advanceTimersByTime(5000);
    expect(requester.busy).toBe(false);
    expect(onIdle).toHaveBeenCalledTimes(1);
    // A late reply to the timed-out request neither breaks anything nor resends.
    expect(requester.accept(1)).toBe(true);
    expect(sent).toHaveLength(2);
  });

  it("restarts the timer for each send and honours a custom timeout", () => {
    const { sent, requester } = setup(100);
    requester.request({ x: 1, y: 1 });
    vi.advanceTimersByTime(90);
    requester.accept(1);
    requester.request({ x: 2, y: 2 });
    requester.request({ x: 3, y: 3 });
    vi.advanceTimersByTime(90);
    expect(sent).toHaveLength(2);
    vi.advanceTimersByTime(10);
    expect(sent).toHaveLength(3);
  });

  it("stops sending and clears timers once disposed", () => {
    const { sent, requester } = setup();
    requester.request({ x: 1, y: 1 });
    requester.request({ x: 2, y: 2 });
    requester.dispose();
    expect(vi.getTimerCount()).toBe(0);
    requester.accept(1);
    requester.request({ x: 3, y: 3 });
    expect(sent).toHaveLength(1);
  });

  it("reports the newest seq sent", () => {
    const { requester } = setup();
    expect(requester.lastSentSeq).toBe(0);
    requester.request({ x: 1, y: 1 });
    requester.accept(1);
    requester.request({ x: 1, y: 1 });
    expect(requester.lastSentSeq).toBe(2);
  });

  it("remembers recent payloads by seq and lets a payload choose its own type", () => {
    const sent: Request<{ type?: string; x?: number }>[] = [];
    const requester = new Requester<{ type?: string; x?: number }>({ type: "view", send: (m) => sent.push(m) });
    requester.request({ type: "reset_view" });
    expect(sent[0]).toEqual({ type: "reset_view", seq: 1, quiet: true });
    requester.accept(1);
    for (let k = 0; k < 100; k++) {
      requester.request({ x: k });
      requester.accept(requester.inFlightSeq!);
    }
    expect(requester.sentPayload(101)).toEqual({ x: 99 });
    expect(requester.sentPayload(1)).toBeUndefined();
  });

  it("pipelines up to maxInFlight requests; a reply frees older slots too; newest still wins", () => {
    const sent: Request<Probe>[] = [];
    const onIdle = vi.fn();
    const requester = new Requester<Probe>({ type: "probe", send: (m) => sent.push(m), maxInFlight: 2, onIdle });
    expect(requester.maxInFlight).toBe(2);
    requester.request({ x: 1, y: 0 });
    requester.request({ x: 2, y: 0 });
    requester.request({ x: 3, y: 0 });
    requester.request({ x: 4, y: 0 });
    expect(sent.map((m) => m.x)).toEqual([1, 2]);
    expect(requester.inFlightSeqs).toEqual([1, 2]);
    expect(requester.inFlightSeq).toBe(2);
    // The reply to 1 frees one slot: the newest pending payload goes out.
    expect(requester.accept(1)).toBe(true);
    expect(sent.map((m) => m.x)).toEqual([1, 2, 4]);
    expect(requester.inFlightSeqs).toEqual([2, 3]);
    // A reply to 3 (2's was lost or overtaken) frees both slots; a late reply to 2 is stale.
    expect(requester.accept(3)).toBe(true);
    expect(requester.busy).toBe(false);
    expect(onIdle).toHaveBeenCalledTimes(1);
    expect(requester.accept(2)).toBe(false);
  });

  it("with two in flight a storm still ends on the last payload, seqs increasing by one", () => {
    const sent: Request<Probe>[] = [];
    const requester = new Requester<Probe>({ type: "probe", send: (m) => sent.push(m), maxInFlight: 2 });
    for (let k = 0; k < 1000; k++) {
      requester.request({ x: k, y: -k });
      if (k % 100 === 99) requester.accept(requester.inFlightSeqs[0]!);
    }
    while (requester.busy) requester.accept(requester.inFlightSeqs[0]!);
    expect(sent.length).toBeLessThanOrEqual(24);
    expect(sent.at(-1)).toMatchObject({ x: 999, y: -999 });
    expect(sent.map((m) => m.seq)).toEqual(sent.map((_, k) => k + 1));
  });

  it("frees every slot after the timeout when no reply comes", () => {
    const sent: Request<Probe>[] = [];
    const requester = new Requester<Probe>({ type: "probe", send: (m) => sent.push(m), maxInFlight: 2, timeoutMs: 100 });
    requester.request({ x: 1, y: 0 });
    requester.request({ x: 2, y: 0 });
    requester.request({ x: 3, y: 0 });
    vi.advanceTimersByTime(150);
    expect(sent.map((m) => m.x)).toEqual([1, 2, 3]);
    expect(requester.inFlightSeqs).toEqual([3]);
  });

  it("adds the client id to every request when given one", () => {
    const sent: Request<Probe>[] = [];
    const requester = new Requester<Probe>({ type: "probe", send: (m) => sent.push(m), client: "view-1" });
    requester.request({ x: 1, y: 2 });
    expect(sent).toEqual([{ type: "probe", seq: 1, quiet: true, x: 1, y: 2, client: "view-1" }]);
    expect(requester.clientId).toBe("view-1");
  });

  it("acceptOwn frees the slot for its own or an unnamed reply, not for another view's", () => {
    const sent: Request<Probe>[] = [];
    const requester = new Requester<Probe>({ type: "probe", send: (m) => sent.push(m), client: "me" });
    requester.request({ x: 1, y: 0 });
    expect(requester.acceptOwn({ seq: 1, client: "another" })).toBe(false);
    expect(requester.busy).toBe(true);
    expect(requester.acceptOwn({ seq: 1, client: "me" })).toBe(true);
    requester.request({ x: 2, y: 0 });
    expect(requester.acceptOwn({ seq: 2 })).toBe(true); // an older Python names no client
    expect(requester.busy).toBe(false);
  });
});
