// A student's page: join a class with its code, then draw the digits the page asks for (a
// shuffled round of 0-9, round after round), or draw freely and say what you drew. The network's
// live guess shows while drawing; each drawing sent is stored with its label for the class.
import { Pad } from "./pad.js";
import { initialLanguage, lang, setLanguage, t } from "./i18n.js";
import { askServer, errorText } from "./api.js";
import { store, stored } from "./storage.js";

const DEBOUNCE_MS = 120;
const $ = (sel) => document.querySelector(sel);
const body = document.body;
const form = $("[data-testid=join-form]");
const area = $("[data-testid=drawing-area]");
const challenge = $("[data-testid=challenge]");
const guess = $("[data-testid=prediction]");
const status = $("[data-testid=status]");
const feedback = $("[data-testid=feedback]");


function newId() {
  // randomUUID needs a secure context (https or localhost); a phone on http://192.168.x.y is not.
  if (crypto.randomUUID && window.isSecureContext) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// An anonymous id, kept on this device only: it groups a student's drawings, nothing more.
let student = stored("digitpad.student");
if (!student) {
  student = newId();
  store("digitpad.student", student);
}

const state = { code: null, nickname: "", mode: "challenge", order: [], index: 0, round: 1, sent: 0,
                model: null };
let version = 0;
let timer = 0;
let controller = null;
let lastGuess = null;
let lastFeedback = null; // [key, values, kind] re-rendered on a language switch

function shuffled() {
  const a = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function showChallenge() {
  if (state.index >= state.order.length) {
    state.order = shuffled();
    state.index = 0;
    state.round += state.sent ? 1 : 0;
  }
  const digit = state.order[state.index];
  challenge.dataset.digit = String(digit);
  $("[data-testid=challenge-digit]").textContent = String(digit);
  $("[data-testid=round]").textContent = t("roundLine", { r: state.round, n: state.index + 1 });
}

function setFeedback(key, values = {}, kind = "") {
  lastFeedback = key ? [key, values, kind] : null;
  feedback.textContent = key ? t(key, values) : "";
  feedback.className = `feedback ${kind}`;
}

function showGuess(answer) {
  lastGuess = answer;
  if (!answer) {
    guess.textContent = "?";
    guess.dataset.state = "idle";
    status.textContent = "";
    $("[data-testid=corrections]").hidden = true;
    return;
  }
  guess.dataset.state = "done";
  guess.dataset.kind = answer.rejected ? "rejected" : "digit";
  if (answer.rejected) {
    // The network was also taught "not a digit": say so, kindly, instead of a made-up digit.
    guess.textContent = "?";
    status.textContent = t("notDigit");
  } else {
    guess.textContent = String(answer.digit);
    status.textContent = t("sure", { p: Math.round(answer.confidence * 100) });
  }
  $("[data-testid=corrections]").hidden = state.mode !== "free";
}

async function liveGuess(mine) {
  controller?.abort();
  controller = new AbortController();
  try {
    const url = state.model ? `${body.dataset.api}?model=${encodeURIComponent(state.model)}`
      : body.dataset.api;
    const { response, answer } = await askServer(url, {
      method: "POST", headers: { "Content-Type": "image/png" },
      body: await pad.toBlob(), signal: controller.signal,
    });
    if (mine !== version) return;
    if (response.ok) showGuess(answer);
    else {
      showGuess(null);
      if (response.status === 422) status.textContent = t("empty");
    }
  } catch (err) {
    if (err.name !== "AbortError" && mine === version) status.textContent = t("offline");
  }
}

function changed() {
  version += 1;
  clearTimeout(timer);
  if (pad.isEmpty) {
    controller?.abort();
    showGuess(null);
    return;
  }
  guess.dataset.state = "pending";
  if (pad.active) return;
  const mine = version;
  timer = setTimeout(() => liveGuess(mine), DEBOUNCE_MS);
}

async function send(label, source) {
  if (pad.isEmpty) {
    setFeedback("emptyFirst", {}, "wrong");
    return;
  }
  const data = new FormData();
  data.append("image", await pad.toBlob(), "drawing.png");
  data.append("label", String(label));
  data.append("source", source);
  data.append("student", student);
  // An id for this drawing: if the network fails after the server stored it, the retry below
  // finds it stored and nothing is stored twice.
  data.append("submission", newId());
  if (state.nickname) data.append("nickname", state.nickname);
  const submit = $("[data-testid=submit]");
  submit.disabled = true;
  try {
    const { response, answer } = await askServer(
      `/api/sessions/${encodeURIComponent(state.code)}/drawings`, { method: "POST", body: data });
    if (response.status === 201 || response.status === 200) {
      state.model = answer.model; // the presenter may have switched the class to a taught model
      state.sent += 1;
      $("[data-testid=sent-count]").textContent = t("sentCount", { n: state.sent });
      if (answer.correct) setFeedback("resultRight", { d: answer.digit }, "right");
      else setFeedback("resultWrong", { d: answer.digit, label }, "wrong");
      pad.clear();
      if (source === "prompted") {
        state.index += 1;
        showChallenge();
      }
    } else if (response.status === 409) {
      setFeedback("closedClass", {}, "wrong");
    } else if (response.status === 404) {
      setFeedback("unknownCode", {}, "wrong");
    } else if (response.status === 422) {
      setFeedback("emptyFirst", {}, "wrong");
    } else {
      const [key, values] = errorText(response.status, answer);
      setFeedback("sendFailed", { why: t(key, values) }, "wrong");
    }
  } catch {
    setFeedback("sendFailed", { why: t("offline") }, "wrong");
  } finally {
    submit.disabled = false;
  }
}

function setMode(mode) {
  state.mode = mode;
  for (const b of document.querySelectorAll("[data-mode]")) {
    b.setAttribute("aria-selected", String(b.dataset.mode === mode));
  }
  challenge.hidden = mode !== "challenge";
  $("[data-testid=challenge-actions]").hidden = mode !== "challenge";
  $("[data-testid=corrections]").hidden = mode !== "free" || !lastGuess;
  setFeedback(null);
}

async function join(code, nickname) {
  const error = $("[data-testid=join-error]");
  error.textContent = "";
  const normal = code.trim().toUpperCase();
  let response;
  try {
    response = await fetch(`/api/sessions/${encodeURIComponent(normal)}`);
  } catch {
    error.textContent = t("offline");
    return;
  }
  if (!response.ok) {
    error.textContent = t("unknownCode");
    return;
  }
  const session = await response.json();
  if (!session.open) {
    error.textContent = t("closedClass");
    return;
  }
  state.code = session.code;
  state.model = session.model;
  state.nickname = nickname.trim().slice(0, 20);
  store("digitpad.nickname", state.nickname);
  const badge = $("[data-testid=class-code]");
  badge.textContent = session.code;
  badge.hidden = false;
  form.hidden = true;
  area.hidden = false;
  state.order = shuffled();
  showChallenge();
  here();
}

const config = await fetch(body.dataset.padConfig).then((r) => r.json());
const pad = new Pad($("#pad"), config, { onChange: changed });

const params = new URLSearchParams(location.search);
form.elements.code.value = params.get("code") ?? "";
form.elements.nickname.value = stored("digitpad.nickname", "");
form.addEventListener("submit", (e) => {
  e.preventDefault();
  join(form.elements.code.value, form.elements.nickname.value);
});
$("[data-testid=clear]").addEventListener("click", () => pad.clear());
$("[data-testid=undo]").addEventListener("click", () => pad.undo());
$("[data-testid=submit]").addEventListener("click", () => send(Number(challenge.dataset.digit), "prompted"));
$("[data-testid=skip]").addEventListener("click", () => {
  pad.clear();
  state.index += 1;
  showChallenge();
});
for (const b of document.querySelectorAll("[data-mode]")) {
  b.addEventListener("click", () => setMode(b.dataset.mode));
}
const buttons = $("[data-testid=correct-buttons]");
for (let d = 0; d < 10; d++) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = String(d);
  b.dataset.testid = `correct-${d}`;
  b.addEventListener("click", () => send(d, "corrected"));
  buttons.append(b);
}

function applyLanguage(code) {
  setLanguage(code);
  if (state.code) showChallenge();
  if (lastFeedback) setFeedback(...lastFeedback);
  if (lastGuess) showGuess(lastGuess);
  if (state.sent) $("[data-testid=sent-count]").textContent = t("sentCount", { n: state.sent });
}
$("[data-testid=lang]").addEventListener("click", () => applyLanguage(lang() === "ko" ? "en" : "ko"));
applyLanguage(initialLanguage());
// Say "I'm here" now and then: the presenter sees who is connected, and the page learns the
// class's model (the presenter may have taught the network and switched the pads to it).
async function here() {
  if (!state.code) return;
  try {
    const r = await fetch(`/api/sessions/${encodeURIComponent(state.code)}/students`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ student, nickname: state.nickname }),
    });
    if (r.ok) state.model = (await r.json()).model;
  } catch {
    /* offline for a moment: the next time will tell */
  }
}
setInterval(here, 20_000);
document.documentElement.dataset.ready = "true";
