/** The timer that fades Descent's paths when they lag behind a moved start and no newer answer comes. */

/** Paths that still answer older starts fade after this long without a newer answer. */
export const STALE_FADE_MS = 300;

export class StaleFade {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly onStale: () => void;

  /** `onStale`: STALE_FADE_MS passed since the last `arm` without a `clear`. */
  constructor(onStale: () => void) {
    this.onStale = onStale;
  }

  arm(): void {
    this.clear();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.onStale();
    }, STALE_FADE_MS);
  }

  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
