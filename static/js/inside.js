// Inside the network: the drawing flows through every stage, live. Feature maps arrive as one
// 8-bit PNG per stage (value = (pixel - zero) * scale); vectors as numbers. Presenter mode shows
// one stage at a time, large, stepped with the keys a presentation clicker sends.
import { Pad } from "./pad.js";
import { initialLanguage, lang, setLanguage, t } from "./i18n.js";
import { askServer } from "./api.js";
import { inkCanvas } from "./ink.js";

const $ = (sel) => document.querySelector(sel);
const body = document.body;
const stagesBox = $("[data-testid=stages]");
const prediction = $("[data-testid=prediction]");
const DEBOUNCE_MS = 120;
let version = 0;
let timer = 0;
let controller = null;
let last = null; // the last answer, re-rendered on a language switch
let active = 0; // presenter mode: the stage shown
let model = null;
let cards = {}; // model name -> public card, for the comparison
const COMPARED = ["mlp", "lenet5", "cnn"];
const wholeCanvas = () => $("[data-testid=no-preprocessing]").checked;

function kindKey(layer) {
  return layer.logits ? "logits" : layer.kind;
}

function loadSheet(png) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const c = document.createElement("canvas");
      c.width = img.width;
      c.height = img.height;
      const ctx = c.getContext("2d");
      ctx.drawImage(img, 0, 0);
      resolve(ctx.getImageData(0, 0, c.width, c.height));
    };
    img.onerror = reject;
    img.src = `data:image/png;base64,${png}`;
  });
}

// One map as a canvas: ink-dark for activations, red/blue around white for signed values.
function mapCanvas(sheet, m, k) {
  const canvas = document.createElement("canvas");
  canvas.width = m.width;
  canvas.height = m.height;
  const out = new ImageData(m.width, m.height);
  const row0 = Math.floor(k / m.cols) * m.height;
  const col0 = (k % m.cols) * m.width;
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      const q = sheet.data[((row0 + y) * sheet.width + col0 + x) * 4];
      let rgb;
      if (m.signed) {
        const v = (q - m.zero) / 127.5; // -1..1
        rgb = v >= 0 ? [255, 255 * (1 - v), 255 * (1 - v)] : [255 * (1 + v), 255 * (1 + v), 255];
      } else {
        const g = 255 - q;
        rgb = [g, g, g];
      }
      out.data.set([...rgb, 255], (y * m.width + x) * 4);
    }
  }
  canvas.getContext("2d").putImageData(out, 0, 0);
  return canvas;
}

function valuesOf(sheet, m, k) {
  const row0 = Math.floor(k / m.cols) * m.height;
  const col0 = (k % m.cols) * m.width;
  const v = [];
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      v.push((sheet.data[((row0 + y) * sheet.width + col0 + x) * 4] - m.zero) * m.scale);
    }
  }
  return v;
}

function caption(layer, index, count) {
  const head = document.createElement("header");
  const h = document.createElement("h2");
  h.textContent = t(`kind_${kindKey(layer)}`);
  const meta = document.createElement("p");
  meta.className = "meta";
  meta.textContent = [t("stageOf", { i: index + 1, n: count }),
    t("shapeLabel", { s: layer.shape.join("×") }),
    layer.params ? t("paramsLabel", { n: layer.params.toLocaleString(lang()) }) : t("noParams")]
    .join(" · ");
  const text = document.createElement("p");
  text.className = "what";
  text.textContent = t(`kind_${kindKey(layer)}_text`);
  head.append(h, meta, text);
  return head;
}

function bars(values, { labels = null, signed = false } = {}) {
  const box = document.createElement("div");
  box.className = "vector";
  const peak = Math.max(...values.map(Math.abs), 1e-9);
  values.forEach((v, i) => {
    const bar = document.createElement("span");
    bar.className = `v ${v < 0 ? "neg" : "pos"}`;
    bar.style.height = `${Math.max(1, (Math.abs(v) / peak) * 100)}%`;
    bar.title = `${labels ? labels[i] : i}: ${v.toFixed(3)}`;
    box.append(bar);
  });
  if (signed) box.classList.add("signed");
  return box;
}

function squareCanvas(values) {
  // A long vector folded into a square, so 1,024 numbers fit on a projector.
  const side = Math.ceil(Math.sqrt(values.length));
  const canvas = inkCanvas(values, side, side, Math.max(...values, 1e-9));
  canvas.className = "square";
  return canvas;
}

function softmaxTable(layer, logits) {
  const table = document.createElement("table");
  table.className = "softmax";
  const head = document.createElement("tr");
  for (const key of ["softmaxDigit", "softmaxScore", "softmaxExp", "softmaxProb"]) {
    const th = document.createElement("th");
    th.textContent = t(key);
    head.append(th);
  }
  table.append(head);
  const top = layer.values.indexOf(Math.max(...layer.values));
  layer.values.forEach((p, d) => {
    const tr = document.createElement("tr");
    if (d === top) tr.className = "top";
    for (const text of [d === 10 ? t("notDigitShort") : String(d), logits[d].toFixed(2), layer.exp[d].toPrecision(3),
                        `${(p * 100).toFixed(2)}%`]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    table.append(tr);
  });
  const sum = document.createElement("caption");
  sum.textContent = t("softmaxSum", { s: layer.sum.toPrecision(4) });
  table.append(sum);
  return table;
}

async function render(answer) {
  last = answer;
  const layers = answer.layers;
  const cards = await Promise.all(layers.map(async (layer, i) => {
    const card = document.createElement("article");
    card.className = `stage kind-${kindKey(layer)}`;
    card.dataset.testid = "stage";
    card.dataset.kind = layer.kind;
    card.dataset.index = String(i);
    card.append(caption(layer, i, layers.length));
    if (layer.maps) {
      const sheet = await loadSheet(layer.maps.png);
      const grid = document.createElement("div");
      grid.className = `maps count-${layer.maps.count}`;
      for (let k = 0; k < layer.maps.count; k++) {
        const c = mapCanvas(sheet, layer.maps, k);
        c.dataset.testid = "map";
        c.tabIndex = 0;
        c.title = t("mapTitle", { k: k + 1, n: layer.maps.count });
        const open = () => showMap(layer, sheet, k, answer);
        c.addEventListener("click", open);
        c.addEventListener("keydown", (e) => e.key === "Enter" && open());
        grid.append(c);
      }
      card.append(grid);
    } else if (layer.kind === "softmax") {
      card.append(softmaxTable(layer, answer.logits));
    } else if (layer.values.length > 128) {
      card.append(squareCanvas(layer.values));
    } else {
      // Ten digits, and "not a digit" for a model taught to say so.
      const n = layer.values.length;
      const labels = n === 10 || n === 11
        ? [...Array(n).keys()].map((d) => (d === 10 ? t("notDigitShort") : d)) : null;
      card.append(bars(layer.values, { labels, signed: layer.values.some((v) => v < 0) }));
    }
    return card;
  }));
  if (last !== answer) return; // a newer drawing's answer is on its way
  stagesBox.replaceChildren(...cards);
  showActive();
  prediction.textContent = String(answer.digit);
  prediction.dataset.state = "done";
  $("[data-testid=status]").textContent = t("sure", { p: Math.round(answer.confidence * 100) });
  document.documentElement.dataset.version = String(version);
}

async function showMap(layer, sheet, k, answer) {
  const m = layer.maps;
  const dialog = $("[data-testid=map-detail]");
  $("[data-testid=map-title]").textContent = `${t(`kind_${kindKey(layer)}`)} · ${t("mapTitle", { k: k + 1, n: m.count })}`;
  const large = $("[data-testid=map-large]");
  const src = mapCanvas(sheet, m, k);
  large.width = m.width * 10;
  large.height = m.height * 10;
  const ctx = large.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(src, 0, 0, large.width, large.height);
  // Where it responds most, on the input: the strongest value's place, scaled to 28x28.
  const values = valuesOf(sheet, m, k);
  const best = values.indexOf(Math.max(...values));
  const where = $("[data-testid=where]");
  const wctx = where.getContext("2d");
  wctx.imageSmoothingEnabled = false;
  const inputSheet = await loadSheet(answer.layers[0].maps.png);
  wctx.drawImage(mapCanvas(inputSheet, answer.layers[0].maps, 0), 0, 0, 168, 168);
  const cell = 168 / m.width;
  wctx.strokeStyle = "#dc2626";
  wctx.lineWidth = 3;
  wctx.strokeRect((best % m.width) * cell, Math.floor(best / m.width) * cell, cell, cell);
  $("[data-testid=where-caption]").textContent = t("respondsMost", { k: k + 1 });
  const figure = $("[data-testid=filter-figure]");
  figure.hidden = layer.kind !== "conv";
  if (layer.kind === "conv") {
    const r = await fetch(`/api/models/${model}/filters?layer=${encodeURIComponent(layer.name)}`);
    if (r.ok) drawFilter((await r.json()).filters, k);
  }
  dialog.showModal();
}

// The learned kernel of map k: one 3x3 slice per input map, red positive, blue negative.
function drawFilter(filters, k) {
  const [kh, kw, cin] = [filters.length, filters[0].length, filters[0][0].length];
  const per = Math.min(cin, 64);
  const cols = Math.min(per, 8);
  const rows = Math.ceil(per / cols);
  const cell = cin === 1 ? 40 : 8;
  const canvas = $("[data-testid=filter]");
  canvas.width = cols * (kw * cell + 4);
  canvas.height = rows * (kh * cell + 4);
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  let peak = 1e-9;
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < cin; c++) {
    peak = Math.max(peak, Math.abs(filters[y][x][c][k]));
  }
  for (let c = 0; c < per; c++) {
    const ox = (c % cols) * (kw * cell + 4);
    const oy = Math.floor(c / cols) * (kh * cell + 4);
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        const v = filters[y][x][c][k] / peak;
        const s = Math.round(255 * (1 - Math.abs(v)));
        ctx.fillStyle = v >= 0 ? `rgb(255,${s},${s})` : `rgb(${s},${s},255)`;
        ctx.fillRect(ox + x * cell, oy + y * cell, cell, cell);
      }
    }
  }
  $("[data-testid=filter-caption]").textContent =
    `${t("filterTitle", { k: k + 1 })}${cin > 1 ? ` — ${t("filterNote")}` : ""}`;
}

// --- presenter mode: one stage at a time ---------------------------------------------------------
function stages() {
  return [...stagesBox.querySelectorAll("[data-testid=stage]")];
}

function showActive() {
  const all = stages();
  active = Math.max(0, Math.min(active, all.length - 1));
  all.forEach((s, i) => (s.dataset.active = String(i === active)));
  $("[data-testid=stage-counter]").textContent = all.length ? t("stageOf", { i: active + 1, n: all.length }) : "";
  if (body.classList.contains("presenting")) all[active]?.scrollIntoView({ block: "nearest" });
}

function setPresenting(on) {
  body.classList.toggle("presenting", on);
  if (on && !document.fullscreenElement) document.documentElement.requestFullscreen?.().catch(() => {});
  if (!on && document.fullscreenElement) document.exitFullscreen?.().catch(() => {});
  showActive();
}

document.addEventListener("keydown", (e) => {
  if (e.target.closest?.("input, select, textarea") || $("[data-testid=map-detail]").open) return;
  if (!body.classList.contains("presenting")) {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z") pad.undo();
    return;
  }
  const next = ["ArrowRight", "ArrowDown", "PageDown", " "].includes(e.key);
  const previous = ["ArrowLeft", "ArrowUp", "PageUp"].includes(e.key);
  if (next || previous) {
    e.preventDefault();
    active += next ? 1 : -1;
    showActive();
  } else if (e.key === "Home" || e.key === "End") {
    active = e.key === "Home" ? 0 : stages().length - 1;
    showActive();
  } else if (e.key === "Escape") {
    setPresenting(false);
  }
});

// --- the same drawing, three networks ----------------------------------------------------------
async function compare(blob, whole, mine) {
  const names = COMPARED.filter((n) => n in cards);
  const answers = await Promise.all(names.map(async (name) => {
    const url = `/api/predict?model=${name}${whole ? "&preprocess=none" : ""}`;
    const r = await fetch(url, { method: "POST", headers: { "Content-Type": "image/png" }, body: blob });
    return r.ok ? r.json() : null;
  }));
  if (mine !== version) return;
  $("[data-testid=compare-grid]").replaceChildren(...names.map((name, i) => {
    const cell = document.createElement("div");
    cell.className = "compare-cell";
    cell.dataset.testid = "compare-cell";
    cell.dataset.model = name;
    const card = cards[name];
    const a = answers[i];
    const title = document.createElement("strong");
    title.textContent = name;
    const digit = document.createElement("div");
    digit.className = "answer-digit";
    digit.dataset.testid = "compare-digit";
    digit.textContent = a ? String(a.digit) : "?";
    const sure = document.createElement("p");
    sure.textContent = a ? t("sure", { p: Math.round(a.confidence * 100) }) : "";
    const facts = [t("compareParams", { n: (card.parameters ?? 0).toLocaleString(lang()) })];
    if (card.mnist_test_accuracy) facts.push(t("compareMnist", { a: (card.mnist_test_accuracy * 100).toFixed(2) }));
    if (card.real_drawings_accuracy) facts.push(t("compareReal", { a: (card.real_drawings_accuracy * 100).toFixed(2) }));
    if (card.training_seconds) facts.push(t("compareTime", { m: Math.max(1, Math.round(card.training_seconds / 60)) }));
    cell.append(title, digit, sure, ...facts.map((f) => Object.assign(document.createElement("p"), { textContent: f })));
    return cell;
  }));
}

// --- the homework: its code, highlighted here (a few rules cover it; no library needed) -------------
const PY = /(#[^\n]*)|("""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|\b(import|from|as|def|return|for|in|if|else|with|print|True|False|None)\b|\b(\d+(?:\.\d+)?(?:e-?\d+)?)\b|\b([A-Za-z_]\w*)(?=\()/g;

function highlight(code, target) {
  target.replaceChildren();
  let at = 0;
  for (const m of code.matchAll(PY)) {
    target.append(code.slice(at, m.index));
    const span = document.createElement("span");
    span.className = m[1] ? "com" : m[2] ? "str" : m[3] ? "kw" : m[4] ? "num" : "fn";
    span.textContent = m[0];
    target.append(span);
    at = m.index + m[0].length;
  }
  target.append(code.slice(at));
}

let homework = null;
function showHomework() {
  if (!homework) return;
  $("[data-testid=homework-count]").textContent = t("homeworkCount", { s: homework.statements, l: homework.lines });
  const r = homework.result;
  $("[data-testid=homework-result]").textContent =
    r ? t("homeworkResult", { a: (r.accuracy * 100).toFixed(2), t: r.training_seconds }) : "";
}

// --- the drawing ---------------------------------------------------------------------------------
async function explain(mine) {
  controller?.abort();
  controller = new AbortController();
  const whole = wholeCanvas();
  const query = `model=${encodeURIComponent(model)}${whole ? "&preprocess=none" : ""}`;
  try {
    const blob = await pad.toBlob({ wholePad: whole });
    compare(blob, whole, mine);
    const { response, answer } = await askServer(`${body.dataset.api}?${query}`, {
      method: "POST", headers: { "Content-Type": "image/png" }, body: blob,
      signal: controller.signal,
    });
    if (mine !== version) return;
    if (response.ok) await render(answer);
    else {
      prediction.textContent = "?";
      prediction.dataset.state = "empty";
      $("[data-testid=status]").textContent = t(response.status === 422 ? "empty" : "offline");
    }
  } catch (err) {
    if (err.name !== "AbortError" && mine === version) $("[data-testid=status]").textContent = t("offline");
  }
}

function changed() {
  version += 1;
  clearTimeout(timer);
  $("[data-testid=prompt]").hidden = !pad.isEmpty;
  if (pad.isEmpty) {
    controller?.abort();
    last = null;
    stagesBox.replaceChildren();
    prediction.textContent = "?";
    prediction.dataset.state = "idle";
    $("[data-testid=status]").textContent = "";
    return;
  }
  prediction.dataset.state = "pending";
  if (pad.active) return;
  const mine = version;
  timer = setTimeout(() => explain(mine), DEBOUNCE_MS);
}

const config = await fetch(body.dataset.padConfig).then((r) => r.json());
const pad = new Pad($("#pad"), config, { onChange: changed });
$("[data-testid=clear]").addEventListener("click", () => pad.clear());
$("[data-testid=undo]").addEventListener("click", () => pad.undo());
$("[data-testid=presenter-mode]").addEventListener("click", () => setPresenting(!body.classList.contains("presenting")));
$("[data-testid=lang]").addEventListener("click", () => {
  setLanguage(lang() === "ko" ? "en" : "ko");
  if (last) render(last);
  showHomework();
  if (!pad.isEmpty) explain(version);
});
$("[data-testid=no-preprocessing]").addEventListener("change", () => {
  if (!pad.isEmpty) explain(++version);
});
setLanguage(initialLanguage());

const select = $("[data-testid=model]");
const { models, default: preferred } = await fetch(body.dataset.models).then((r) => r.json());
cards = Object.fromEntries(models.map((m) => [m.name, m.card]));
for (const m of models) {
  const option = document.createElement("option");
  option.value = m.name;
  option.textContent = m.card.parameters ? `${m.name} (${m.card.parameters.toLocaleString()})` : m.name;
  select.append(option);
}
model = new URLSearchParams(location.search).get("model") || preferred;
select.value = model;
select.addEventListener("change", () => {
  model = select.value;
  if (!pad.isEmpty) explain(++version);
});
fetch("/api/homework").then((r) => (r.ok ? r.json() : null)).then((h) => {
  homework = h;
  if (!h) return;
  highlight(h.code, $("[data-testid=homework-code]"));
  showHomework();
});
document.documentElement.dataset.ready = "true";
