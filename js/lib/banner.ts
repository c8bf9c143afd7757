/** The error banner: shows the `error` trait's text (never as HTML), hidden when it is empty. */
import { htmlElement } from "./dom";

export interface Banner {
  element: HTMLDivElement;
  /** Show `message`, or hide the banner when it is empty. */
  set(message: string | null | undefined): void;
}

export function createBanner(doc: Document = document): Banner {
  const element = htmlElement("div", { class: "jaxwidgets-error", role: "alert" }, undefined, doc);
  element.hidden = true;
  return {
    element,
    set(message) {
      const text = (message ?? "").trim();
      element.textContent = text;
      element.hidden = text.length === 0;
    },
  };
}
