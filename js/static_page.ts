/**
 * The host of a static copy (a page written by `save_html`, src/jaxwidgets/_static.py): renders a widget's
 * bundle on the saved state with a model that needs no kernel (lib/static_model.ts), whose requests the local
 * responder answers (lib/static_responder.ts). Not a widget: the page imports it beside the widget's bundle.
 */
import type { RenderProps } from "./lib/protocol";
import { decodeState, StaticModel } from "./lib/static_model";
import { respond } from "./lib/static_responder";

interface WidgetModule {
  render(props: RenderProps<Record<string, unknown>>): unknown;
}

/** Render `widget` into `el` on `state` (JSON with `{"$b64": ...}` arrays); returns the model. */
export function mount(widget: WidgetModule, state: Record<string, unknown>, el: HTMLElement): StaticModel {
  const model = new StaticModel(decodeState(state) as Record<string, unknown>, respond);
  widget.render({ model, el });
  return model;
}
