/**
 * Page-side state that every view of one widget shares. The page moves the probe, the view window and the
 * descent starts by messages, and Python does not echo those traits back (by design: no echo on the drag
 * path), so a view rendered later would read stale traits and send the stale position back. anywidget gives
 * each view its own model proxy, so the state is keyed by the widget's `_instance` id (a trait Python sets
 * once per widget), and by the model object only for a model without one.
 */

const byInstance = new Map<string, object>();
const byModel = new WeakMap<object, object>();

/** The state object shared by the views of the widget behind `model` (the same object for every view). */
export function sharedState<T extends object>(model: { get(key: "_instance"): string | undefined }): Partial<T> {
  const id = model.get("_instance");
  let state = typeof id === "string" && id !== "" ? byInstance.get(id) : byModel.get(model);
  if (!state) {
    state = {};
    if (typeof id === "string" && id !== "") byInstance.set(id, state);
    else byModel.set(model, state);
  }
  return state as Partial<T>;
}
