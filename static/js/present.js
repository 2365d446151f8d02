// The presenter's page: start a class, show the QR code and the code, and the class's drawings
// live (a stream of server-sent events read with fetch, so the token travels in a header).
import { initialLanguage, lang, setLanguage, t } from "./i18n.js";
import { readEvents } from "./api.js";
import { inkCanvas } from "./ink.js";

const $ = (sel) => document.querySelector(sel);
const WALL_MAX = 48; // per column: the newest drawings; the stats count them all
let token = null;
let code = null;
let lastId = 0;
let stream = null; // AbortController of the live feed
let lastStats = null;
let message = null;

// The token arrives in the URL's fragment (never sent to a server, never in a log); it is kept
// for this tab only and removed from the address bar, which the projector shows.
function takeToken() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("token")) {
    sessionStorage.setItem("digitpad.presenter", fragment.get("token"));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem("digitpad.presenter");
}

async function api(path, init = {}) {
  const response = await fetch(path, {
    ...init, headers: { ...(init.headers || {}), Authorization: `Bearer ${token}` },
  });
  return response;
}

function say(key, values = {}) {
  message = key ? [key, values] : null;
  $("[data-testid=present-message]").textContent = key ? t(key, values) : "";
}

function needToken(key) {
  $("[data-testid=token-needed]").textContent = t(key);
  $("[data-testid=token-needed]").dataset.key = key;
  $("[data-testid=token-needed]").hidden = false;
  $("[data-testid=console]").hidden = true;
}

function thumbnail(base64) {
  const pixels = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return inkCanvas(pixels, 28, 28, 255);
}

function wallItem(d) {
  const item = document.createElement("button");
  item.type = "button";
  item.className = `wall-item ${d.correct ? "right" : "wrong"}`;
  item.dataset.testid = "wall-item";
  item.dataset.id = String(d.id);
  item.dataset.label = String(d.label);
  item.dataset.digit = String(d.digit);
  item.append(thumbnail(d.input));
  const said = document.createElement("span");
  said.className = "said";
  said.dataset.i18nKey = d.correct ? "saidOnly" : "saidDrew";
  said.dataset.i18nValues = JSON.stringify({ d: d.digit, label: d.label });
  said.textContent = t(said.dataset.i18nKey, { d: d.digit, label: d.label });
  const who = document.createElement("span");
  who.className = "who";
  who.dataset.testid = "nickname";
  who.textContent = d.nickname || "·"; // text, never markup: nicknames are typed by anyone
  item.append(said, who);
  item.addEventListener("click", () => showDetail(d.id));
  return item;
}

function addDrawing(d) {
  lastId = Math.max(lastId, d.id);
  const wall = $(d.correct ? "[data-testid=wall-right]" : "[data-testid=wall-wrong]");
  wall.prepend(wallItem(d));
  while (wall.children.length > WALL_MAX) wall.lastChild.remove();
  $("[data-testid=wall-empty]").hidden = true;
}

function showStats(s) {
  lastStats = s;
  $("[data-testid=students]").textContent = t("studentsCount", { n: s.students });
  $("[data-testid=connected]").textContent = t("connectedCount", { n: s.connected ?? 0 });
  $("[data-testid=drawing-count]").textContent = t("drawingsCount", { n: s.drawings });
  $("[data-testid=class-accuracy]").textContent =
    s.accuracy === null ? "" : t("classAccuracy", { p: Math.round(s.accuracy * 100) });
  const grid = $("[data-testid=digit-stats]");
  grid.replaceChildren(...Object.entries(s.per_digit).map(([digit, v]) => {
    const cell = document.createElement("div");
    const b = document.createElement("b");
    b.textContent = digit;
    const pct = document.createElement("span");
    pct.textContent = v.accuracy === null ? "–" : `${Math.round(v.accuracy * 100)}%`;
    const n = document.createElement("small");
    n.textContent = ` (${v.drawings})`;
    cell.append(b, pct, n);
    return cell;
  }));
  if (s.mistakes) $("[data-testid=mistakes]").replaceChildren(...s.mistakes.map(wallItemMistake));
}

function wallItemMistake(d) {
  const item = wallItem(d);
  item.dataset.testid = "mistake";
  const p = document.createElement("span");
  p.textContent = `${Math.round(d.confidence * 100)}%`;
  item.append(p);
  return item;
}

function clearWall() {
  for (const sel of ["wall-right", "wall-wrong", "mistakes", "digit-stats"]) {
    $(`[data-testid=${sel}]`).replaceChildren();
  }
  $("[data-testid=wall-empty]").hidden = false;
  lastId = 0;
  lastStats = null;
}

async function listen() {
  stream?.abort();
  const mine = new AbortController();
  stream = mine;
  const live = $("[data-testid=live]");
  while (!mine.signal.aborted && code) {
    try {
      const response = await api(`/api/sessions/${code}/events?after=${lastId}`, { signal: mine.signal });
      if (response.status === 404) return endSession("sessionDeleted");
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      live.textContent = t("live");
      live.classList.remove("off");
      let deleted = false;
      await readEvents(response, (event, payload) => {
        if (event === "drawing") addDrawing(payload);
        else if (event === "stats") showStats(payload);
        else if (event === "deleted") deleted = true;
        return deleted;
      });
      if (deleted) return endSession("sessionDeleted");
    } catch (err) {
      if (mine.signal.aborted) return;
      console.error("wall feed:", err);
    }
    live.textContent = t("reconnecting");
    live.classList.add("off");
    await new Promise((r) => setTimeout(r, 1000));
  }
}

// --- teaching the network ------------------------------------------------------------------------
let job = null; // the latest training job of this class
let teachMessage = null; // [key, values]
let jobStream = null;
let sessionModel = null;

function teachSay(key, values = {}) {
  teachMessage = key ? [key, values] : null;
  $("[data-testid=teach-status]").textContent = key ? t(key, values) : "";
}

function drawCurve(events) {
  const canvas = $("[data-testid=teach-curve]");
  const losses = events.filter((e) => e.event === "batch").map((e) => e.loss);
  canvas.hidden = losses.length === 0;
  if (!losses.length) return;
  const ctx = canvas.getContext("2d");
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const top = Math.max(...losses, 1e-6);
  ctx.strokeStyle = "#2563eb";
  ctx.lineWidth = 2;
  ctx.beginPath();
  losses.forEach((loss, i) => {
    const x = 8 + (i / Math.max(1, losses.length - 1)) * (width - 16);
    const y = height - 8 - (loss / top) * (height - 16);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
  // Epoch boundaries: where held-back accuracy was measured.
  ctx.fillStyle = "#5b6474";
  ctx.font = "12px system-ui";
  ctx.fillText(`${t("teachCurve")} ${losses[0].toFixed(3)} → ${losses.at(-1).toFixed(3)}`, 12, 16);
}

function showJob(j) {
  job = j;
  const running = j.status === "running";
  $("[data-testid=teach]").hidden = running;
  $("[data-testid=teach-cancel]").hidden = !running;
  const events = j.events || [];
  drawCurve(events);
  const start = events.find((e) => e.event === "start");
  const epoch = [...events].reverse().find((e) => e.event === "epoch");
  if (running) {
    if (epoch) teachSay("teachRunning", { e: epoch.epoch, n: epoch.epochs });
    else if (start) teachSay("teachPreparing", { d: start.drawings, s: start.students });
    else teachSay("teachRunning", { e: 0, n: "…" });
  } else if (j.status === "done") {
    const done = events.find((e) => e.event === "done");
    teachSay("teachDone", { t: done ? Math.round(done.seconds) : "?" });
  } else if (j.status === "failed") {
    teachSay("teachFailed", { m: j.error || "?" });
  } else if (j.status === "cancelled") {
    teachSay("teachCancelled");
  }
  $("[data-testid=teach-result]").hidden = j.status !== "done" || !j.result;
  if (j.status === "done" && j.result) showResult(j.result);
}

function showResult(r) {
  const rows = [["held_back", "teachHeldBack"], ["unseen_students", "teachUnseen"],
                ["real_drawings", "teachReal"], ["mnist_test", "teachMnist"]];
  $("[data-testid=before-after] tbody").replaceChildren(...rows.map(([key, label]) => {
    const tr = document.createElement("tr");
    const b = r.before[key];
    const a = r.after[key];
    const cells = [t(label), b, a].map((v, i) => {
      const td = document.createElement(i ? "td" : "th");
      td.textContent = i === 0 ? v : (v === null || Number.isNaN(v) ? "–" : `${(v * 100).toFixed(1)}%`);
      return td;
    });
    if (a > b) cells[2].className = "up";
    if (a < b) cells[2].className = "down";
    tr.append(...cells);
    tr.dataset.key = key;
    return tr;
  }));
  for (const [sel, ids] of [["fixed", r.fixed], ["broken", r.broken]]) {
    const box = $(`[data-testid=${sel}]`);
    box.replaceChildren();
    if (!ids.length) box.textContent = t("nothingChanged");
    for (const id of ids.slice(0, 24)) {
      api(`/api/sessions/${code}/drawings/${id}`).then((resp) => resp.ok && resp.json()).then((d) => {
        if (d) box.append(wallItem(d));
      });
    }
  }
}

async function followJob(id) {
  jobStream?.abort();
  const mine = new AbortController();
  jobStream = mine;
  const events = [];
  try {
    const response = await api(`/api/jobs/${id}/events`, { signal: mine.signal });
    // The server ends with "end"; stop there even if a proxy keeps the connection open.
    await readEvents(response, (event, payload) => {
      if (event === "progress") {
        events.push(payload);
        showJob({ ...job, status: "running", events });
      }
      return event === "end";
    });
  } catch (err) {
    if (mine.signal.aborted) return;
  }
  const response = await api(`/api/jobs/${id}`);
  if (response.ok) showJob(await response.json());
}

async function startTeaching() {
  teachSay(null);
  const response = await api(`/api/sessions/${code}/teach`, { method: "POST" });
  const body = await response.json().catch(() => ({}));
  if (response.status === 202) {
    showJob(body);
    followJob(body.id);
  } else {
    teachSay("teachNotReady", { m: body.message || `HTTP ${response.status}` });
  }
}

async function useModel(name) {
  const response = await api(`/api/sessions/${code}/model`, {
    method: "PUT", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ model: name }),
  });
  if (response.ok) showSessionModel((await response.json()).model);
}

function showSessionModel(name) {
  sessionModel = name;
  $("[data-testid=session-model]").textContent = t("teachUsing", { m: name });
}

async function loadJobs() {
  const response = await api(`/api/sessions/${code}/jobs`);
  if (!response.ok) return;
  const { jobs } = await response.json();
  if (jobs.length) {
    showJob(jobs[0]);
    if (jobs[0].status === "running") followJob(jobs[0].id);
  }
}

function showSession(session) {
  code = session.code;
  $("[data-testid=teach-panel]").hidden = false;
  showSessionModel(session.model);
  job = null;
  teachSay(null);
  $("[data-testid=teach-result]").hidden = true;
  loadJobs();
  sessionStorage.setItem("digitpad.session", code);
  $("[data-testid=session-panel]").hidden = false;
  $("[data-testid=start-card]").hidden = true;
  $("[data-testid=code]").textContent = code;
  $("[data-testid=join-url]").textContent = session.join_url;
  $("[data-testid=qr-img]").src = `/api/sessions/${code}/qr.svg`;
  $("[data-testid=qr-img]").alt = session.join_url;
  say(session.open ? null : "sessionClosed");
  clearWall();
  listen();
}

function endSession(key) {
  stream?.abort();
  code = null;
  sessionStorage.removeItem("digitpad.session");
  clearWall();
  $("[data-testid=session-panel]").hidden = true;
  $("[data-testid=teach-panel]").hidden = true;
  jobStream?.abort();
  $("[data-testid=live]").textContent = "";
  $("[data-testid=start-card]").hidden = false;
  say(null);
  const note = $("[data-testid=wall-empty]");
  note.textContent = t(key);
}

async function showDetail(id) {
  const response = await api(`/api/sessions/${code}/drawings/${id}`);
  if (!response.ok) return;
  const d = await response.json();
  const dialog = $("[data-testid=detail]");
  $("[data-testid=detail-title]").textContent =
    t("detailTitle", { id: d.id, who: d.nickname || t("anonymous") });
  const canvas = $("[data-testid=detail-input]");
  canvas.getContext("2d").drawImage(thumbnail(d.input), 0, 0);
  $("[data-testid=detail-png]").src = d.png;
  $("[data-testid=detail-bars]").replaceChildren(...d.probabilities.map((p, digit) => {
    const li = document.createElement("li");
    li.className = digit === d.digit ? "top" : "";
    li.innerHTML = '<span class="label"></span><span class="bar"><span class="fill"></span></span><span class="pct"></span>';
    li.querySelector(".label").textContent = String(digit);
    li.querySelector(".fill").style.width = `${(p * 100).toFixed(1)}%`;
    li.querySelector(".pct").textContent = `${Math.round(p * 100)}%`;
    return li;
  }));
  dialog.showModal();
}

async function download(format) {
  const response = await api(`/api/sessions/${code}/export${format === "npz" ? "?format=npz" : ""}`);
  if (!response.ok) return;
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = `digitpad-${code}.${format}`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function applyLanguage(code_) {
  setLanguage(code_);
  if (lastStats) showStats(lastStats);
  for (const el of document.querySelectorAll(".said")) {
    el.textContent = t(el.dataset.i18nKey, JSON.parse(el.dataset.i18nValues));
  }
  if (message) say(...message);
  if (teachMessage) teachSay(...teachMessage);
  if (job) showJob(job);
  if (sessionModel) showSessionModel(sessionModel);
  const needed = $("[data-testid=token-needed]");
  if (!needed.hidden) needed.textContent = t(needed.dataset.key);
}

$("[data-testid=lang]").addEventListener("click", () => applyLanguage(lang() === "ko" ? "en" : "ko"));
applyLanguage(initialLanguage());

$("[data-testid=start]").addEventListener("click", async () => {
  const response = await api("/api/sessions", { method: "POST" });
  if (response.status === 201) showSession(await response.json());
  else if (response.status === 401) needToken("badToken");
});
$("[data-testid=delete]").addEventListener("click", async () => {
  if (!confirm(t("confirmDelete"))) return;
  const response = await api(`/api/sessions/${code}`, { method: "DELETE" });
  if (response.ok) endSession("sessionDeleted");
});
$("[data-testid=close]").addEventListener("click", async () => {
  const response = await api(`/api/sessions/${code}/close`, { method: "POST" });
  if (response.ok) say("sessionClosed");
});
$("[data-testid=teach]").addEventListener("click", startTeaching);
$("[data-testid=teach-cancel]").addEventListener("click", async () => {
  if (!job) return;
  const response = await api(`/api/jobs/${job.id}/cancel`, { method: "POST" });
  if (response.ok) showJob(await response.json());
});
$("[data-testid=use-model]").addEventListener("click", () => job && useModel(job.model));
$("[data-testid=use-default]").addEventListener("click", () => useModel(null));
$("[data-testid=delete-model]").addEventListener("click", async () => {
  if (!job || !confirm(t("teachDelete"))) return;
  const response = await api(`/api/models/${job.model}`, { method: "DELETE" });
  if (response.ok) {
    $("[data-testid=teach-result]").hidden = true;
    const info = await api(`/api/sessions/${code}`);
    if (info.ok) showSessionModel((await info.json()).model);
  }
});
$("[data-testid=export-jsonl]").addEventListener("click", () => download("jsonl"));
$("[data-testid=export-npz]").addEventListener("click", () => download("npz"));

token = takeToken();
if (!token) {
  needToken("needToken");
} else {
  const response = await api("/api/sessions");
  if (response.status === 401) {
    needToken("badToken");
  } else {
    $("[data-testid=console]").hidden = false;
    const { sessions } = await response.json();
    const resume = sessions.find((s) => s.code === sessionStorage.getItem("digitpad.session"));
    if (resume) showSession(resume);
  }
}
document.documentElement.dataset.ready = "true";
