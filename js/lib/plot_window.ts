/**
 * The window a plane view shows (lib/surface_plot.ts). A zoom or pan moves it here at once and asks Python
 * through the `view` request (reset_view shares its requester: one in flight, newest wins). The views of one
 * widget share it, and it follows Python's window whenever this view has no request of its own under way.
 */
import type { Requester } from "./flow";
import type { SurfaceModel, ViewRequest } from "./protocol";
import { sharedState } from "./shared";
import type { WidgetShell } from "./shell";
import type { PlotPart } from "./surface_plot";
import { sameWindow, type ViewWindow } from "./view";

export class PlotWindow<T extends SurfaceModel> {
  /** The window shown (Python does not echo page zooms back: the views of this widget share it). */
  current: ViewWindow;

  private readonly shell: WidgetShell<T, PlotPart>;
  private readonly shared: { window?: ViewWindow };
  private readonly requester: Requester<ViewRequest | { type: "reset_view" }>;
  private readonly onChange: () => void;
  private resetPending = false;

  /** `onChange`: the window shown changed (re-scale and redraw). */
  constructor(shell: WidgetShell<T, PlotPart>, onChange: () => void) {
    this.shell = shell;
    this.onChange = onChange;
    this.shared = sharedState<{ window: ViewWindow }>(shell.model);
    this.current = this.shared.window ?? this.modelWindow();
    this.requester = shell.requester<ViewRequest | { type: "reset_view" }>("view", {
      acks: true,
      aliases: ["reset_view"],
      onIdle: () => this.settled(),
    });
    shell.onModel("x_range", () => this.modelWindowChanged());
    shell.onModel("y_range", () => this.modelWindowChanged());
  }

  /** A view request of this view is under way. */
  get busy(): boolean {
    return this.requester.busy;
  }

  /** Show `window` now and ask Python for its surface. */
  request(window: ViewWindow): void {
    this.resetPending = false;
    this.show(window);
    this.requester.request({ x_range: [...window.x], y_range: [...window.y] });
  }

  /** Ask Python for the initial view; the window it answers with is adopted once the request settles. */
  reset(): void {
    this.resetPending = true;
    this.requester.request({ type: "reset_view" });
  }

  /**
   * A surface is computed for Python's current view. When this view has no view request under way, that is
   * the window to show: it follows zooms made in another view of the model, or by Python.
   */
  follow(window: ViewWindow): void {
    if (this.requester.busy) return;
    if (!sameWindow(window, this.current)) this.show(window);
  }

  private modelWindow(): ViewWindow {
    return { x: this.shell.model.get("x_range"), y: this.shell.model.get("y_range") };
  }

  private modelWindowChanged(): void {
    // While our own view requests are under way the traits echo older windows: keep the user's.
    if (this.requester.busy && !this.resetPending) return;
    this.adoptModelWindow();
  }

  private settled(): void {
    if (!this.resetPending) return;
    this.resetPending = false;
    this.adoptModelWindow();
  }

  private adoptModelWindow(): void {
    const window = this.modelWindow();
    if (!sameWindow(window, this.current)) this.show(window);
  }

  private show(window: ViewWindow): void {
    this.current = { x: [...window.x], y: [...window.y] };
    this.shared.window = this.current;
    this.onChange();
  }
}
