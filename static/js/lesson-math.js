// The lesson's mathematics, as plain functions (the tests check them against NumPy): fitting
// Y = wX + b by least squares and by gradient descent, and the three optimisers of the race.

export function mse(points, w, b) {
  let s = 0;
  for (const [x, y] of points) s += (w * x + b - y) ** 2;
  return s / points.length;
}

// dMSE/dw and dMSE/db.
export function gradient(points, w, b) {
  let gw = 0;
  let gb = 0;
  for (const [x, y] of points) {
    const e = w * x + b - y;
    gw += 2 * e * x;
    gb += 2 * e;
  }
  return [gw / points.length, gb / points.length];
}

// The closed form: the w and b no other line beats.
export function leastSquares(points) {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  const w = sxx ? sxy / sxx : 0;
  return [w, my - w * mx];
}

// One optimiser step on parameters p = [w, b] with gradient g; `state` carries what the
// optimiser remembers between steps. Update rules as in Keras: SGD, SGD with momentum
// (v = m v - lr g; p += v) and Adam (Kingma & Ba, 2015, with bias correction).
export function step(kind, p, g, state, { lr, momentum = 0.9, beta1 = 0.9, beta2 = 0.999, eps = 1e-7 }) {
  if (kind === "sgd") return [p.map((v, i) => v - lr * g[i]), state];
  if (kind === "momentum") {
    const v = (state.v ?? [0, 0]).map((vi, i) => momentum * vi - lr * g[i]);
    return [p.map((pi, i) => pi + v[i]), { v }];
  }
  if (kind === "adam") {
    const t = (state.t ?? 0) + 1;
    const m = (state.m ?? [0, 0]).map((mi, i) => beta1 * mi + (1 - beta1) * g[i]);
    const s = (state.s ?? [0, 0]).map((si, i) => beta2 * si + (1 - beta2) * g[i] * g[i]);
    const lrT = lr * Math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t);
    return [p.map((pi, i) => pi - (lrT * m[i]) / (Math.sqrt(s[i]) + eps)), { t, m, s }];
  }
  throw new Error(`unknown optimiser ${kind}`);
}

// The path an optimiser takes from `start` over `steps` steps on the points' MSE.
export function path(kind, points, start, steps, options) {
  let p = [...start];
  let state = {};
  const out = [{ w: p[0], b: p[1], loss: mse(points, p[0], p[1]) }];
  for (let k = 0; k < steps; k++) {
    [p, state] = step(kind, p, gradient(points, p[0], p[1]), state, options);
    out.push({ w: p[0], b: p[1], loss: mse(points, p[0], p[1]) });
  }
  return out;
}

// Least-squares polynomial of a degree (normal equations, solved by Gaussian elimination):
// the overfitting slide's curve through a few noisy points.
export function polyfit(points, degree) {
  const n = degree + 1;
  const a = Array.from({ length: n }, () => new Array(n + 1).fill(0));
  for (const [x, y] of points) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) a[i][j] += x ** (i + j);
      a[i][n] += y * x ** i;
    }
  }
  for (let i = 0; i < n; i++) a[i][i] += 1e-9; // a whisker of ridge: degree >= points stays solvable
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[pivot][c])) pivot = r;
    [a[c], a[pivot]] = [a[pivot], a[c]];
    for (let r = 0; r < n; r++) {
      if (r === c || !a[c][c]) continue;
      const f = a[r][c] / a[c][c];
      for (let k = c; k <= n; k++) a[r][k] -= f * a[c][k];
    }
  }
  return a.map((row, i) => (row[i] ? row[n] / row[i] : 0));
}

export function polyval(coef, x) {
  return coef.reduce((s, c, i) => s + c * x ** i, 0);
}
