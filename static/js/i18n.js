// Every word the pages show, in both languages, comes from static/i18n.json: the server renders
// the first paint from the same file (webapp/i18n.py). Elements carry data-i18n (text),
// data-i18n-aria (aria-label) or data-i18n-title (title) naming a key there.
import { store, stored } from "./storage.js";

const url = new URL("../i18n.json", import.meta.url);
export const STRINGS = await fetch(url).then((r) => {
  if (!r.ok) throw new Error(`i18n.json: HTTP ${r.status}`);
  return r.json();
});

const STORAGE_KEY = "digitpad.lang";

export function initialLanguage() {
  const saved = stored(STORAGE_KEY);
  if (saved in STRINGS) return saved;
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  return preferred.some((l) => l && l.toLowerCase().startsWith("ko")) ? "ko" : "en";
}

let current = document.documentElement.lang in STRINGS ? document.documentElement.lang : "en";
const listeners = [];

export function lang() {
  return current;
}

export function onLanguage(fn) {
  listeners.push(fn);
}

export function t(key, values = {}) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

export function setLanguage(code, root = document) {
  current = code in STRINGS ? code : "en";
  store(STORAGE_KEY, current);
  root.documentElement.lang = current;
  const title = root.documentElement.dataset.i18nDocTitle;
  if (title) root.title = t(title);
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nAria));
  }
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  for (const fn of listeners) fn(current);
}
