// Wires the pad to the API and shows the answer. The result's data-state tells tests (and CSS)
// where things stand: idle (blank pad), pending (an answer for this drawing is on its way),
// done (the digit shown answers the drawing as it is now), empty, error.
import { Pad } from "./pad.js";
import { initialLanguage, lang, setLanguage, t } from "./i18n.js";
import { askServer, errorText } from "./api.js";
import { store, stored } from "./storage.js";
import { inkCanvas, inkImage } from "./ink.js";

const DEBOUNCE_MS = 120;
const body = document.body;
const lowConfidence = Number(body.dataset.lowConfidence) || 0.6;
const $ = (sel) => document.querySelector(sel);
const prediction = $("[data-testid=prediction]");
const status = $("[data-testid=status]");
const announce = $("[data-testid=announce]");
const prompt = $("[data-testid=prompt]");
const preview = $("[data-testid=preview]");
const bars = $("[data-testid=bars]");
const why = $("[data-testid=not-digit-why]");
const digitsBox = $("[data-testid=digits]");
const strip = $("[data-testid=digit-strip]");
const single = $("[data-testid=single]");
const barsTitle = $("[data-testid=bars-title]");

let version = 0; // bumps on every change of the drawing
let timer = 0;
let last = null; // the last answer shown, re-rendered when the language changes
let lastError = null; // [key, values] of the error shown, likewise
let controller = null;

for (let d = 0; d < 10; d++) {
  const li = document.createElement("li");
  li.dataset.testid = `prob-${d}`;
  li.innerHTML = `<span class="label">${d}</span><span class="bar"><span class="fill"></span></span><span class="pct">0%</span>`;
  bars.append(li);
}

function setState(state, message, kind = "") {
  prediction.dataset.state = state;
  // What the answer is: one digit, a number, or not a digit (tests and CSS read it). While the
  // next answer is on its way the last one's layout stays, so nothing jumps.
  if (state !== "pending") prediction.dataset.kind = kind;
  status.textContent = message;
  const shown = prediction.dataset.kind;
  why.hidden = shown !== "rejected";
  // Not a digit: the bars still say which digit it looks most like, and say so.
  const title = shown === "rejected" ? "probabilitiesIfDigit" : "probabilities";
  barsTitle.dataset.i18n = title;
  barsTitle.textContent = t(title);
  digitsBox.hidden = shown !== "number";
  single.hidden = shown === "number";
}

function showIdle() {
  last = null;
  lastError = null;
  prediction.textContent = "?";
  prediction.classList.remove("unsure");
  setState("idle", t("idle"));
  prompt.hidden = false;
  showBars(null);
  clearPreview();
}

function showBars(probabilities) {
  const top = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : -1;
  bars.querySelectorAll("li").forEach((li, d) => {
    const p = probabilities ? probabilities[d] : 0;
    li.querySelector(".fill").style.width = `${(p * 100).toFixed(1)}%`;
    li.querySelector(".pct").textContent = `${Math.round(p * 100)}%`;
    li.classList.toggle("top", d === top);
    li.setAttribute("aria-label", `${d}: ${Math.round(p * 100)}%`);
  });
}

function clearPreview() {
  const ctx = preview.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, 28, 28);
}

function showPreview(rows) {
  preview.getContext("2d").putImageData(inkImage(rows.flat(), 28, 28), 0, 0);
}

function showAnswer(answer) {
  last = answer;
  lastError = null;
  const p = Math.round(answer.confidence * 100);
  const unsure = answer.confidence < lowConfidence;
  if (answer.rejected) {
    prediction.textContent = "?";
    prediction.classList.add("unsure");
    setState("done", t("notDigit"), "rejected");
    announce.textContent = t("announceNotDigit");
  } else if (answer.digits.length > 1) {
    prediction.textContent = answer.number;
    prediction.classList.toggle("unsure", answer.digits.some((d) => d.confidence < lowConfidence));
    setState("done", t("numberStatus", { n: answer.digits.length }), "number");
    announce.textContent = t("announceNumber", { n: answer.number });
    showDigits(answer.digits);
  } else {
    prediction.textContent = String(answer.digit);
    prediction.classList.toggle("unsure", unsure);
    setState("done", unsure ? t("notSure", { d: answer.digit, p }) : t("sure", { p }), "digit");
    announce.textContent = t(unsure ? "announceUnsure" : "announce", { d: answer.digit, p });
  }
  showBars(answer.probabilities);
  showPreview(answer.input);
  const ms = answer.timing_ms.preprocess + answer.timing_ms.inference;
  $("[data-testid=model-info]").textContent = modelLine(answer.model, ms);
}

// A number: each digit's own 28x28 (what the model saw) with its answer and confidence.
function showDigits(digits) {
  strip.replaceChildren(...digits.map((d, k) => {
    const li = document.createElement("li");
    li.dataset.testid = "digit-part";
    const canvas = inkCanvas(d.input.flat(), 28, 28);
    const p = Math.round(d.confidence * 100);
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", t("digitLabel", { k: k + 1, d: d.digit, p }));
    const digit = document.createElement("span");
    digit.className = "part-digit";
    digit.textContent = d.rejected ? "?" : String(d.digit);
    const pct = document.createElement("span");
    pct.className = "part-pct";
    pct.textContent = d.rejected ? t("notDigitShort") : `${p}%`;
    li.append(canvas, digit, pct);
    return li;
  }));
}

let card = null;
function modelLine(name, ms) {
  if (!card) return "";
  const acc = card.mnist_test_accuracy ? (card.mnist_test_accuracy * 100).toFixed(2) : "?";
  return t("model", { name, params: card.parameters?.toLocaleString(lang()) ?? "?", acc,
                      ms: ms.toFixed(1) });
}

function showEmpty() {
  last = null;
  lastError = null;
  prediction.textContent = "?";
  prediction.classList.remove("unsure");
  setState("empty", t("empty"));
  announce.textContent = t("empty");
  showBars(null);
  clearPreview();
}

// An error: its words (in the current language, re-rendered on a switch), and nothing left on
// screen from an earlier answer that could be taken for this drawing's.
function showError(key, values = {}) {
  last = null;
  lastError = [key, values];
  const message = t(key, values);
  prediction.textContent = "!";
  prediction.classList.remove("unsure");
  setState("error", message);
  announce.textContent = message;
  showBars(null);
  clearPreview();
}

async function classify(mine) {
  controller?.abort();
  controller = new AbortController();
  try {
    // One stroke is one piece of ink: the image alone says it all. Several may be several digits
    // that touch, which their strokes keep apart.
    const several = pad.strokes.length > 1;
    const { response, answer } = await askServer(body.dataset.api, {
      method: "POST",
      headers: { "Content-Type": several ? "application/json" : "image/png" },
      body: several ? pad.uploadJSON() : await pad.toBlob(),
      signal: controller.signal,
    });
    if (mine !== version) return; // the drawing changed meanwhile: a newer request follows
    if (response.ok) showAnswer(answer);
    else if (response.status === 422 && answer.error === "empty_drawing") showEmpty();
    else showError(...errorText(response.status, answer));
  } catch (err) {
    if (err.name === "AbortError" || mine !== version) return;
    showError("offline");
  }
}

function changed() {
  version += 1;
  clearTimeout(timer);
  if (pad.isEmpty) {
    controller?.abort();
    showIdle();
    return;
  }
  prompt.hidden = true;
  setState("pending", t("pending"));
  if (pad.active) return; // mid-stroke: ask when the stroke ends
  const mine = version;
  timer = setTimeout(() => classify(mine), DEBOUNCE_MS);
}

let config;
try {
  config = await fetch(body.dataset.padConfig).then((r) => {
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    return r.json();
  });
} catch (err) {
  showError("configFailed");
  throw err; // nothing works without the pad's constants; the message says what to do
}
const pad = new Pad($("#pad"), config, { onChange: changed });

// A number needs room: the wide pad is twice as wide as it is tall. Remembered per browser.
const WIDE_KEY = "digitpad.wide";
const wideButton = $("[data-testid=wide]");
function setWide(wide) {
  $(".pad-area").classList.toggle("wide", wide);
  wideButton.setAttribute("aria-pressed", String(wide)); // a toggle: its label stays the same
  pad.setAspect(wide ? 2 : 1);
  store(WIDE_KEY, wide ? "1" : "0");
}
wideButton.addEventListener("click", () => setWide(wideButton.getAttribute("aria-pressed") !== "true"));
if (stored(WIDE_KEY) === "1") setWide(true);

$("[data-testid=clear]").addEventListener("click", () => pad.clear());
$("[data-testid=undo]").addEventListener("click", () => pad.undo());
document.addEventListener("keydown", (e) => {
  if (e.target.closest?.("input, textarea")) return;
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z") {
    e.preventDefault();
    pad.undo();
  } else if (e.key === "Backspace" && !e.ctrlKey && !e.metaKey) {
    e.preventDefault();
    pad.undo();
  } else if (e.key === "Escape" || e.key === "Delete") {
    pad.clear();
  }
});

function applyLanguage(code) {
  setLanguage(code);
  // Re-render what is on screen in the new language.
  const state = prediction.dataset.state;
  if (state === "done" && last) showAnswer(last);
  else if (state === "error" && lastError) showError(...lastError);
  else if (state === "empty") showEmpty();
  else if (state === "pending") setState("pending", t("pending"));
  else if (state === "idle") setState("idle", t("idle"));
}
$("[data-testid=lang]").addEventListener("click", () => applyLanguage(lang() === "ko" ? "en" : "ko"));

applyLanguage(initialLanguage());
showIdle();
fetch(body.dataset.models)
  .then((r) => r.json())
  .then((m) => { card = m.models.find((x) => x.default)?.card ?? null; })
  .catch(() => {});
document.documentElement.dataset.ready = "true";
