/**
 * The step of the runs that Descent shows: set by the step slider, by Python's `step` trait, or played on
 * animation frames so that a run plays in about PLAY_SECONDS. It goes back to Python when the user lets go
 * of the slider or the animation stops, not per frame.
 */
import type { AnyModel, DescentModel } from "../lib/protocol";

/** A run plays in about this long, and never slower than MIN_STEPS_PER_SECOND. */
const PLAY_SECONDS = 5;
const MIN_STEPS_PER_SECOND = 30;

/** Steps per second while playing: a run takes about PLAY_SECONDS, at least MIN_STEPS_PER_SECOND. */
export function playRate(steps: number): number {
  return Math.max(MIN_STEPS_PER_SECOND, steps / PLAY_SECONDS);
}

export interface PlayerHost {
  /** The step count of the runs the page shows. */
  steps(): number;
  /** The step changed: redraw what shows it. */
  stepChanged(): void;
  /** Playing started or stopped: update the play button. */
  playingChanged(): void;
}

export class Player {
  /** The step shown, 0..steps. */
  step: number;
  private readonly model: AnyModel<DescentModel>;
  private readonly host: PlayerHost;
  private playingNow = false;
  private frame: number | null = null;
  private clock: { time: number; step: number } | null = null;

  constructor(model: AnyModel<DescentModel>, host: PlayerHost) {
    this.model = model;
    this.host = host;
    this.step = Math.min(model.get("step") ?? 0, host.steps());
  }

  get playing(): boolean {
    return this.playingNow;
  }

  /** The user moved the step slider: stop playing and show `step`. */
  set(step: number): void {
    this.pause(false);
    this.step = step;
    this.host.stepChanged();
  }

  /** Keep the step within a new step count (redrawn with what changed it). */
  clamp(steps: number): void {
    this.step = Math.min(this.step, steps);
  }

  /** Tell Python the step (the slider was let go, or the animation stopped). */
  settle(): void {
    if (this.model.get("step") === this.step) return;
    this.model.set("step", this.step);
    this.model.save_changes();
  }

  /** Python's `step` changed: show it, unless playing. */
  modelChanged(): void {
    if (this.playingNow) return;
    const step = Math.min(Math.max(0, Math.round(this.model.get("step") ?? 0)), this.host.steps());
    if (step === this.step) return;
    this.step = step;
    this.host.stepChanged();
  }

  play(): void {
    if (this.step >= this.host.steps()) this.step = 0;
    this.playingNow = true;
    this.clock = null;
    this.host.playingChanged();
    if (typeof requestAnimationFrame === "undefined") return;
    this.frame = requestAnimationFrame((time) => this.tick(time));
  }

  /** Stop playing; `settle`: tell Python the step (not when the kernel is gone or the user took the slider). */
  pause(settle = true): void {
    if (!this.playingNow) return;
    this.playingNow = false;
    this.stop();
    this.host.playingChanged();
    if (settle) this.settle();
  }

  /** Cancel the next frame (the view is going away, or playing stopped). */
  stop(): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    this.clock = null;
  }

  private tick(time: number): void {
    this.frame = null;
    if (!this.playingNow) return;
    if (this.clock === null) this.clock = { time, step: this.step };
    const steps = this.host.steps();
    const elapsed = (time - this.clock.time) / 1000;
    const step = Math.min(steps, Math.floor(this.clock.step + elapsed * playRate(steps)));
    if (step !== this.step) {
      this.step = step;
      this.host.stepChanged();
    }
    if (this.step >= steps) {
      this.pause();
      return;
    }
    this.frame = requestAnimationFrame((t) => this.tick(t));
  }
}
