// The talk as a live deck: one slide at a time, keys a clicker sends, the slide number in the URL
// (a reload or a shared link opens the same slide), every word in both languages.
import { initialLanguage, lang, setLanguage, t } from "./i18n.js";
import { gradient, leastSquares, mse, path, polyfit, polyval } from "./lesson-math.js";

const $ = (sel) => document.querySelector(sel);
const slides = [...document.querySelectorAll("[data-testid=slide]")];
let current = 0;

function show(index, { push = true } = {}) {
  current = Math.max(0, Math.min(slides.length - 1, index));
  slides.forEach((s, i) => (s.dataset.active = String(i === current)));
  $("[data-testid=slide-number]").textContent = `${current + 1} / ${slides.length}`;
  if (push) history.replaceState(null, "", `#${current + 1}`);
  if (current === 1) drawFit();
  if (current === 4) drawContour();
  if (current === 5) drawPoly();
}

document.addEventListener("keydown", (e) => {
  if (e.target.closest?.("input, select, textarea")) return;
  if (["ArrowRight", "ArrowDown", "PageDown", " "].includes(e.key)) show(current + 1);
  else if (["ArrowLeft", "ArrowUp", "PageUp"].includes(e.key)) show(current - 1);
  else if (e.key === "Home") show(0);
  else if (e.key === "End") show(slides.length - 1);
  else if (e.key === "f" || e.key === "F") {
    if (document.fullscreenElement) document.exitFullscreen?.().catch(() => {});
    else document.documentElement.requestFullscreen?.().catch(() => {});
  } else return;
  e.preventDefault();
});
window.addEventListener("hashchange", () => show(Number(location.hash.slice(1)) - 1, { push: false }));

// --- plotting helpers ------------------------------------------------------------------------------
function axes(ctx, w, h, [x0, x1], [y0, y1]) {
  const X = (x) => 30 + ((x - x0) / (x1 - x0)) * (w - 40);
  const Y = (y) => h - 24 - ((y - y0) / (y1 - y0)) * (h - 34);
  ctx.clearRect(0, 0, w, h);
  ctx.strokeStyle = "#c9d0dc";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(X(x0), Y(0));
  ctx.lineTo(X(x1), Y(0));
  ctx.moveTo(X(0), Y(y0));
  ctx.lineTo(X(0), Y(y1));
  ctx.stroke();
  return [X, Y];
}

function lineChart(canvas, series, colors) {
  const ctx = canvas.getContext("2d");
  const all = series.flat().filter(Number.isFinite);
  const top = Math.max(...all, 1e-9);
  const n = Math.max(...series.map((s) => s.length), 2);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  series.forEach((s, k) => {
    ctx.strokeStyle = colors[k];
    ctx.lineWidth = 2;
    ctx.beginPath();
    s.forEach((v, i) => {
      const x = 6 + (i / (n - 1)) * (canvas.width - 12);
      const y = canvas.height - 6 - (Math.min(v, top) / top) * (canvas.height - 12);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
  });
}

// --- slide 2: Y = wX + b, and gradient descent ----------------------------------------------------
// w and b live here, not in the sliders: a slider rounds to its step, gradient descent must not.
const fit = { points: [[-2, -1.3], [-1.4, -0.2], [-0.6, -0.4], [0, 0.5], [0.7, 0.9], [1.3, 1.9], [2, 2.1]],
              losses: [], timer: 0, w: 0.2, b: 0 };
const W = $("[data-testid=w]");
const B = $("[data-testid=b]");

function drawFit() {
  const canvas = $("[data-testid=fit-plot]");
  const ctx = canvas.getContext("2d");
  const [X, Y] = axes(ctx, canvas.width, canvas.height, [-3, 3], [-3, 3]);
  const { w, b } = fit;
  W.value = String(w);
  B.value = String(b);
  ctx.fillStyle = "#111827";
  for (const [x, y] of fit.points) {
    ctx.beginPath();
    ctx.arc(X(x), Y(y), 5, 0, 7);
    ctx.fill();
  }
  ctx.strokeStyle = "#2563eb";
  ctx.lineWidth = 3;
  ctx.beginPath();
  ctx.moveTo(X(-3), Y(w * -3 + b));
  ctx.lineTo(X(3), Y(w * 3 + b));
  ctx.stroke();
  const loss = mse(fit.points, w, b);
  const [bw, bb] = leastSquares(fit.points);
  $("[data-testid=w-value]").textContent = w.toFixed(3);
  $("[data-testid=b-value]").textContent = b.toFixed(3);
  $("[data-testid=loss]").textContent = t("lossNow", { l: loss.toFixed(4) });
  $("[data-testid=closed-form]").textContent = t("closedForm", {
    w: bw.toFixed(3), b: bb.toFixed(3), l: mse(fit.points, bw, bb).toFixed(4) });
  $("[data-testid=fit-plot]").dataset.points = String(fit.points.length);
  $("[data-testid=fit-plot]").dataset.w = String(w);
  $("[data-testid=fit-plot]").dataset.b = String(b);
  lineChart($("[data-testid=fit-curve]"), [fit.losses], ["#2563eb"]);
}

function gdStep() {
  const lr = Number($("[data-testid=lr]").value);
  const [gw, gb] = gradient(fit.points, fit.w, fit.b);
  fit.w -= lr * gw;
  fit.b -= lr * gb;
  const loss = mse(fit.points, fit.w, fit.b);
  fit.losses.push(loss);
  const diverging = !Number.isFinite(loss) || (fit.losses.length > 3 && loss > fit.losses[0] * 2);
  $("[data-testid=diverged]").hidden = !diverging;
  drawFit();
  return diverging;
}

function train() {
  clearInterval(fit.timer);
  let n = 0;
  fit.timer = setInterval(() => {
    if (gdStep() || ++n >= 200) clearInterval(fit.timer);
  }, 16);
}

W.addEventListener("input", () => { fit.w = Number(W.value); drawFit(); });
B.addEventListener("input", () => { fit.b = Number(B.value); drawFit(); });
$("[data-testid=train]").addEventListener("click", train);
$("[data-testid=step]").addEventListener("click", gdStep);
$("[data-testid=reset]").addEventListener("click", () => {
  clearInterval(fit.timer);
  fit.w = 0.2;
  fit.b = 0;
  fit.losses = [];
  $("[data-testid=diverged]").hidden = true;
  drawFit();
});
// Click to add a point; press on a point and drag to move it.
const fitPlot = $("[data-testid=fit-plot]");
let dragging = null;
function plotXY(e) {
  const r = fitPlot.getBoundingClientRect();
  const x = ((e.clientX - r.left) / r.width) * fitPlot.width;
  const y = ((e.clientY - r.top) / r.height) * fitPlot.height;
  return [-3 + ((x - 30) / (fitPlot.width - 40)) * 6, -3 + ((fitPlot.height - 24 - y) / (fitPlot.height - 34)) * 6];
}
fitPlot.addEventListener("pointerdown", (e) => {
  const [x, y] = plotXY(e);
  const near = fit.points.findIndex(([px, py]) => Math.hypot(px - x, py - y) < 0.25);
  if (near >= 0) {
    dragging = near;
    fitPlot.setPointerCapture(e.pointerId);
  } else {
    fit.points.push([x, y]);
    drawFit();
  }
});
fitPlot.addEventListener("pointermove", (e) => {
  if (dragging === null) return;
  fit.points[dragging] = plotXY(e);
  drawFit();
});
for (const type of ["pointerup", "pointercancel"]) {
  fitPlot.addEventListener(type, () => (dragging = null));
}

// --- slide 5: the optimiser race on the same loss surface ------------------------------------------
const race = { points: [[-1, -2.2], [-0.5, -0.8], [0, 0.3], [0.5, 1.1], [1, 2.4]], start: [-2.5, 2.5],
               paths: null };
const RANGE = [-3, 3];
const COLORS = { sgd: "#dc2626", momentum: "#16a34a", adam: "#2563eb" };

function drawContour() {
  const canvas = $("[data-testid=contour]");
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(canvas.width, canvas.height);
  const toW = (px) => RANGE[0] + (px / canvas.width) * (RANGE[1] - RANGE[0]);
  const toB = (py) => RANGE[1] - (py / canvas.height) * (RANGE[1] - RANGE[0]);
  for (let py = 0; py < canvas.height; py++) {
    for (let px = 0; px < canvas.width; px++) {
      const l = Math.log1p(mse(race.points, toW(px), toB(py)));
      const band = Math.floor(l * 4) % 2 ? 232 : 245; // contour bands of equal log-loss
      const shade = Math.max(0, 255 - l * 40);
      img.data.set([shade * 0.6 + band * 0.4, shade * 0.7 + band * 0.3, 255, 255],
                   (py * canvas.width + px) * 4);
    }
  }
  ctx.putImageData(img, 0, 0);
  const X = (w) => ((w - RANGE[0]) / (RANGE[1] - RANGE[0])) * canvas.width;
  const Y = (b) => ((RANGE[1] - b) / (RANGE[1] - RANGE[0])) * canvas.height;
  const [bw, bb] = leastSquares(race.points);
  ctx.fillStyle = "#111827";
  ctx.fillRect(X(bw) - 4, Y(bb) - 4, 8, 8);
  if (!race.paths) return;
  for (const [kind, p] of Object.entries(race.paths)) {
    ctx.strokeStyle = COLORS[kind];
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    p.forEach((s, i) => (i ? ctx.lineTo(X(s.w), Y(s.b)) : ctx.moveTo(X(s.w), Y(s.b))));
    ctx.stroke();
  }
}

function runRace() {
  const lr = Number($("[data-testid=race-lr]").value);
  const full = {};
  for (const kind of ["sgd", "momentum", "adam"]) {
    full[kind] = path(kind, race.points, race.start, 120, { lr: kind === "adam" ? lr * 4 : lr });
  }
  let k = 1;
  const timer = setInterval(() => {
    race.paths = Object.fromEntries(Object.entries(full).map(([kind, p]) => [kind, p.slice(0, k + 1)]));
    drawContour();
    lineChart($("[data-testid=race-curve]"), Object.values(race.paths).map((p) => p.map((s) => s.loss)),
              Object.values(COLORS));
    if (++k > 120) {
      clearInterval(timer);
      $("[data-testid=race-result]").textContent = Object.entries(full)
        .map(([kind, p]) => `${kind}: ${p.at(-1).loss.toFixed(4)}`).join(" · ");
      $("[data-testid=contour]").dataset.paths = JSON.stringify(
        Object.fromEntries(Object.entries(full).map(([kind, p]) => [kind, p.at(-1)])));
    }
  }, 16);
}
$("[data-testid=race]").addEventListener("click", runRace);

// --- slide 6: overfitting --------------------------------------------------------------------------
const poly = {
  train: [[-0.9, -0.62], [-0.6, -0.1], [-0.35, 0.05], [-0.1, 0.32], [0.2, 0.22], [0.45, 0.6], [0.7, 0.55], [0.95, 1.02]],
  fresh: [[-0.75, -0.3], [-0.5, -0.1], [-0.2, 0.1], [0.05, 0.2], [0.3, 0.4], [0.55, 0.5], [0.85, 0.8]],
};

function drawPoly() {
  const d = Number($("[data-testid=degree]").value);
  $("[data-testid=degree-label]").textContent = t("degree", { d });
  const coef = polyfit(poly.train, d);
  const err = (pts) => pts.reduce((s, [x, y]) => s + (polyval(coef, x) - y) ** 2, 0) / pts.length;
  const canvas = $("[data-testid=poly-plot]");
  const ctx = canvas.getContext("2d");
  const [X, Y] = axes(ctx, canvas.width, canvas.height, [-1, 1], [-1.5, 1.5]);
  ctx.strokeStyle = "#2563eb";
  ctx.lineWidth = 3;
  ctx.beginPath();
  for (let i = 0; i <= 200; i++) {
    const x = -1 + i / 100;
    const y = Math.max(-1.5, Math.min(1.5, polyval(coef, x)));
    if (i) ctx.lineTo(X(x), Y(y));
    else ctx.moveTo(X(x), Y(y));
  }
  ctx.stroke();
  for (const [pts, color] of [[poly.train, "#111827"], [poly.fresh, "#dc2626"]]) {
    ctx.fillStyle = color;
    for (const [x, y] of pts) {
      ctx.beginPath();
      ctx.arc(X(x), Y(y), 5, 0, 7);
      ctx.fill();
    }
  }
  $("[data-testid=train-error]").textContent = t("trainError", { e: err(poly.train).toFixed(4) });
  $("[data-testid=new-error]").textContent = t("newError", { e: err(poly.fresh).toFixed(4) });
  canvas.dataset.trainError = String(err(poly.train));
  canvas.dataset.newError = String(err(poly.fresh));
}
$("[data-testid=degree]").addEventListener("input", drawPoly);

// --- language, data from the server, start --------------------------------------------------------
async function loadData() {
  const [curves, code, homework] = await Promise.all([
    fetch("/static/lesson/curves.json").then((r) => r.json()),
    fetch("/api/lesson/code").then((r) => r.json()),
    fetch("/api/homework").then((r) => (r.ok ? r.json() : null)),
  ]);
  for (const [run, canvas] of [["overfit", "overfit-curves"], ["shipped", "real-curves"]]) {
    const h = curves[run].history;
    lineChart($(`[data-testid=${canvas}]`), [h.loss, h.val_loss], ["#2563eb", "#dc2626"]);
  }
  return { code: code.concepts, homework };
}

let data = null;
function renderText() {
  if (!data) return;
  $("[data-testid=tf-parts]").replaceChildren(...data.code.map((c) => {
    const li = document.createElement("li");
    const what = document.createElement("strong");
    what.textContent = t(c.key);
    const where = document.createElement("code");
    where.textContent = c.line ? `${c.file}:${c.line}  ${c.code}` : c.file;
    li.append(what, document.createElement("br"), where);
    return li;
  }));
  const h = data.homework;
  if (h) {
    $("[data-testid=homework-count]").textContent = t("homeworkCount", { s: h.statements, l: h.lines });
    $("[data-testid=homework-result]").textContent = h.result
      ? t("homeworkResult", { a: (h.result.accuracy * 100).toFixed(2), t: h.result.training_seconds }) : "";
    $("[data-testid=homework-code]").textContent = h.code;
  }
  drawFit();
  drawPoly();
}

$("[data-testid=lang]").addEventListener("click", () => {
  setLanguage(lang() === "ko" ? "en" : "ko");
  renderText();
});
setLanguage(initialLanguage());
const fromUrl = Number(new URLSearchParams(location.search).get("slide") || location.hash.slice(1));
show(Number.isFinite(fromUrl) && fromUrl > 0 ? fromUrl - 1 : 0, { push: false });
data = await loadData();
renderText();
document.documentElement.dataset.ready = "true";
