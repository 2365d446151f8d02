// The drawing pad: Pointer Events (mouse, touch and pen share one path), strokes kept in pad
// units (the pad's height is 1; a wide pad for numbers is `aspect` units across) so the display
// can be any size and the upload is always the same size.

export function drawStrokes(ctx, strokes, size, penWidth, color = "#000") {
  // Quadratic curves through the midpoints between samples: smooth, and it passes near every
  // sample. webapp/training/drawings.py flattens the same curves for the benchmark and the training data.
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.lineWidth = penWidth * size;
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  for (const stroke of strokes) {
    const p = stroke.map(([x, y]) => [x * size, y * size]);
    if (p.length === 0) continue;
    ctx.beginPath();
    if (p.length === 1) {
      ctx.arc(p[0][0], p[0][1], ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fill();
      continue;
    }
    ctx.moveTo(p[0][0], p[0][1]);
    for (let i = 1; i < p.length - 1; i++) {
      const mx = (p[i][0] + p[i + 1][0]) / 2;
      const my = (p[i][1] + p[i + 1][1]) / 2;
      ctx.quadraticCurveTo(p[i][0], p[i][1], mx, my);
    }
    const last = p[p.length - 1];
    ctx.lineTo(last[0], last[1]);
    ctx.stroke();
  }
}

// [left, top, right, bottom] of all points, in pad units; null for no points.
function bounds(strokes) {
  const pts = strokes.flat();
  if (pts.length === 0) return null;
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

// The size the upload's pixels follow (and a single digit's pen: penSide): the longer side, except
// that a drawing wider than WIDE times its height (a number: digits side by side) counts as WIDE
// times its height, so each of its digits gets about the pixels a single digit gets; a flat dash
// counts as a sixth of its width.
// Same rule as extent() in webapp/training/drawings.py.
const WIDE = 1.25;
export function extent(box) {
  const w = box[2] - box[0];
  const h = box[3] - box[1];
  return Math.max(h, Math.min(w, WIDE * h), w / 6);
}

// The size the upload's pen is clamped against: the extent, except that digits side by side are
// measured by their height, so each gets the pen a single digit of that height gets (by WIDE
// times the height, a small number's loops filled in). Same rule as pen_side() in
// webapp/training/drawings.py.
export function penSide(box) {
  const w = box[2] - box[0];
  const h = box[3] - box[1];
  return w > WIDE * h ? Math.max(h, w / 6) : extent(box);
}

// The upload's pen: the screen pen clamped to exportPenRange times penSide, so a digit drawn
// small with a fat pen is not uploaded as a blob (nor a large thin one as a hairline).
// Same rule as export_pen() in webapp/training/drawings.py.
export function exportPenWidth(strokes, penWidth, [lo, hi]) {
  const box = bounds(strokes);
  if (!box) return penWidth;
  const side = penSide(box);
  return Math.min(Math.max(penWidth, lo * side), hi * side);
}

// Pixels per pad unit in the upload: exportSize, less for a drawing whose extent with the pen
// would pass exportMaxSide px (the server works at about 80 px; more only costs decoding time).
// Same rule as export_scale() in webapp/training/drawings.py.
export function exportScale(strokes, penWidth, size, maxSide) {
  const box = bounds(strokes);
  if (!box) return size;
  const side = extent(box) + penWidth;
  return side > 0 ? Math.min(size, maxSide / side) : size;
}

// The part of the export canvas that is uploaded: the strokes' box, plus the round caps and 2 px
// for anti-aliasing. The server crops to the ink anyway; a smaller PNG travels and decodes faster.
// Same rule as export_box() in webapp/training/drawings.py.
export function exportBox(strokes, penWidth, size, aspect = 1) {
  const box = bounds(strokes);
  if (!box) return [0, 0, Math.ceil(size * aspect), Math.ceil(size)];
  const margin = (penWidth * size) / 2 + 2;
  const [left, top, right, bottom] = box.map((v) => v * size);
  return [
    Math.max(0, Math.floor(left - margin)),
    Math.max(0, Math.floor(top - margin)),
    Math.min(Math.ceil(size * aspect), Math.ceil(right + margin)),
    Math.min(Math.ceil(size), Math.ceil(bottom + margin)),
  ];
}

export class Pad {
  constructor(canvas, config, { onChange = () => {} } = {}) {
    this.canvas = canvas;
    this.config = config;
    this.strokes = [];
    this.aspect = 1; // width / height: 1, or wider for writing a number
    this.cleared = null; // what the last Clear removed: Undo brings it back
    this.active = null; // the stroke being drawn
    this.pointerId = null;
    this.onChange = onChange;
    this.frame = 0;
    canvas.addEventListener("pointerdown", (e) => this.#down(e));
    canvas.addEventListener("pointermove", (e) => this.#move(e));
    for (const type of ["pointerup", "lostpointercapture"]) {
      canvas.addEventListener(type, (e) => this.#up(e));
    }
    // A cancelled pointer (a palm, the system taking the gesture over) is not ink.
    canvas.addEventListener("pointercancel", (e) => this.#cancel(e));
    // device-pixel-content-box also reports a change of pixel ratio (zoom, a move to a projector);
    // browsers without it get a media query on the ratio instead.
    const observer = new ResizeObserver(() => this.#resize());
    try {
      observer.observe(canvas, { box: "device-pixel-content-box" });
    } catch {
      observer.observe(canvas);
    }
    this.#watchPixelRatio();
    this.#resize();
  }

  get isEmpty() {
    return this.strokes.length === 0 && !this.active;
  }

  clear() {
    if (this.strokes.length) this.cleared = this.strokes;
    this.strokes = [];
    this.active = null;
    this.#changed();
  }

  // A wider (or square again) pad: a fresh drawing, since strokes need not fit the new shape.
  setAspect(aspect) {
    if (aspect === this.aspect) return;
    this.aspect = aspect;
    this.strokes = [];
    this.cleared = null;
    this.active = null;
    this.#resize();
    this.#changed();
  }

  undo() {
    if (this.active) this.active = null;
    else if (this.strokes.length) this.strokes.pop();
    else if (this.cleared) [this.strokes, this.cleared] = [this.cleared, null];
    this.#changed();
  }

  // A copy of the strokes in pad units, for uploads that carry them.
  get drawing() {
    return this.strokes.map((s) => s.map(([x, y]) => [x, y]));
  }

  // The upload: redrawn from the strokes at a fixed scale whatever the screen (at most
  // exportMaxSide px across), black ink on transparent, cropped to the drawing.
  toBlob({ wholePad = false } = {}) {
    if (wholePad) {
      const { exportSize, penWidth } = this.config;
      // The whole pad as drawn, uncropped: what most demos send (the "no preprocessing" lesson).
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(exportSize * this.aspect);
      canvas.height = exportSize;
      drawStrokes(canvas.getContext("2d"), this.strokes, exportSize, penWidth);
      return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
    }
    const { canvas } = this.#export();
    return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  }

  // The upload with the strokes that drew it, in the image's pixels: the server keeps digits that
  // touch apart by their strokes. JSON, as /api/predict reads it: { image, strokes }.
  uploadJSON() {
    const { canvas, size, x0, y0 } = this.#export();
    const strokes = this.strokes.map((s) => s.map(([x, y]) => [
      Math.round((x * size - x0) * 100) / 100, Math.round((y * size - y0) * 100) / 100]));
    return JSON.stringify({ image: canvas.toDataURL("image/png"), strokes });
  }

  #export() {
    const { exportSize, exportMaxSide, penWidth, exportPenRange } = this.config;
    const pen = exportPenWidth(this.strokes, penWidth, exportPenRange);
    const size = exportScale(this.strokes, pen, exportSize, exportMaxSide);
    const [x0, y0, x1, y1] = exportBox(this.strokes, pen, size, this.aspect);
    const canvas = document.createElement("canvas");
    canvas.width = x1 - x0;
    canvas.height = y1 - y0;
    const ctx = canvas.getContext("2d");
    ctx.translate(-x0, -y0);
    drawStrokes(ctx, this.strokes, size, pen);
    return { canvas, size, x0, y0 };
  }

  #resize() {
    // Crisp on high-DPI screens: the backing store follows device pixels of the drawing area,
    // which is the canvas less its border (clientWidth, not the bounding box).
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(this.canvas.clientWidth * dpr));
    const height = Math.max(1, Math.round(this.canvas.clientHeight * dpr));
    if (width !== this.canvas.width || height !== this.canvas.height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    this.#render();
  }

  // The pixel ratio changes without a resize when the page is zoomed or the window moves to a
  // projector: a media query on the current ratio fires once when it stops matching.
  #watchPixelRatio() {
    // Kept on the pad: a MediaQueryList nobody references can be collected with its listener.
    const query = matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    this.pixelRatioQuery = query;
    query.addEventListener("change", () => {
      this.#resize();
      this.#watchPixelRatio();
    }, { once: true });
  }

  #point(e) {
    // Pointer positions are relative to the border box; ink lands inside the border.
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left - this.canvas.clientLeft;
    const y = e.clientY - rect.top - this.canvas.clientTop;
    const clamp = (v, hi) => Math.min(hi, Math.max(0, v));
    const unit = this.canvas.clientHeight; // the pad's height is one unit, whatever its width
    return [clamp(x / unit, this.aspect), clamp(y / unit, 1)];
  }

  #cancel(e) {
    if (e.pointerId !== this.pointerId) return;
    this.pointerId = null;
    this.active = null;
    this.#changed();
  }

  #down(e) {
    if (this.pointerId !== null || (e.pointerType === "mouse" && e.button !== 0)) return;
    e.preventDefault();
    this.pointerId = e.pointerId;
    this.canvas.setPointerCapture?.(e.pointerId);
    this.active = [this.#point(e)];
    this.#changed();
  }

  #move(e) {
    if (e.pointerId !== this.pointerId || !this.active) return;
    e.preventDefault();
    // Coalesced events keep fast strokes smooth when the screen refreshes slower than the pen.
    const events = e.getCoalescedEvents?.() ?? [];
    for (const ev of events.length ? events : [e]) {
      const p = this.#point(ev);
      const last = this.active[this.active.length - 1];
      if (Math.hypot(p[0] - last[0], p[1] - last[1]) > 0.002) this.active.push(p);
    }
    this.#schedule();
  }

  #up(e) {
    if (e.pointerId !== this.pointerId) return;
    this.pointerId = null;
    if (this.active) {
      this.strokes.push(this.active);
      this.cleared = null;
      this.active = null;
      this.#changed();
    }
  }

  #changed() {
    this.canvas.dataset.strokes = String(this.strokes.length);
    this.#render();
    this.onChange();
  }

  #schedule() {
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.#render();
      });
    }
  }

  #render() {
    const ctx = this.canvas.getContext("2d");
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    const all = this.active ? [...this.strokes, this.active] : this.strokes;
    drawStrokes(ctx, all, this.canvas.height, this.config.penWidth, getComputedStyle(this.canvas).color);
  }
}
