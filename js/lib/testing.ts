/** Test helpers shared by the jsdom tests (not bundled: only *.test.ts files import it). */

/** jsdom has no PointerEvent: a MouseEvent with a pointerId is all the widgets read. */
export function pointer(type: string, init: MouseEventInit & { pointerId?: number } = {}): MouseEvent {
  const event = new MouseEvent(type, { bubbles: true, cancelable: true, button: 0, ...init });
  Object.defineProperty(event, "pointerId", { value: init.pointerId ?? 1 });
  return event;
}
