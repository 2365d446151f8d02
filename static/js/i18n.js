// Every string the page shows, in both languages. Elements carry data-i18n (text),
// data-i18n-aria (aria-label) or data-i18n-title (title) naming a key here.
export const STRINGS = {
  en: {
    tagline: "Draw a digit. A convolutional network reads it, live.",
    switchLanguage: "한국어",
    switchLanguageLabel: "한국어로 보기",
    padTitle: "Drawing pad",
    padLabel: "Drawing pad: draw one digit with a mouse, finger or pen",
    prompt: "Draw a digit from 0 to 9",
    undo: "Undo",
    clear: "Clear",
    undoHint: "Undo the last stroke (Ctrl+Z or Backspace)",
    clearHint: "Clear the pad (Esc or Delete)",
    keys: "Keys: Ctrl+Z / Backspace undo · Esc / Delete clear",
    resultTitle: "Result",
    idle: "Waiting for a drawing",
    pending: "Thinking…",
    sure: "{p}% sure",
    notSure: "Not sure — maybe {d}? ({p}%)",
    empty: "I can't see a digit yet. Draw a bit bigger?",
    error: "Something went wrong: {m}",
    offline: "Couldn't reach the server. Check the connection and draw again.",
    probabilities: "Probabilities",
    preview: "What the model saw (28×28)",
    previewLabel: "The 28 by 28 image the model saw",
    announce: "Prediction: {d}, {p}% sure",
    announceUnsure: "Not sure. Maybe {d}, {p}%",
    how: "Your drawing is cropped, scaled into 20×20 and centred by its centre of mass in 28×28, the way MNIST was made. A convolutional network (convolution → pooling → activation → dense → softmax) turns it into ten probabilities.",
    model: "Model: {name} · {params} parameters · MNIST test accuracy {acc}% · {ms} ms",
  },
  ko: {
    tagline: "숫자를 그려 보세요. 합성곱 신경망이 바로 읽어 냅니다.",
    switchLanguage: "English",
    switchLanguageLabel: "Switch to English",
    padTitle: "그림판",
    padLabel: "그림판: 마우스, 손가락, 펜으로 숫자 하나를 그리세요",
    prompt: "0부터 9까지 숫자를 하나 그려 보세요",
    undo: "되돌리기",
    clear: "지우기",
    undoHint: "마지막 획 되돌리기 (Ctrl+Z 또는 Backspace)",
    clearHint: "그림판 지우기 (Esc 또는 Delete)",
    keys: "단축키: Ctrl+Z / Backspace 되돌리기 · Esc / Delete 지우기",
    resultTitle: "결과",
    idle: "그림을 기다리는 중",
    pending: "생각 중…",
    sure: "확신도 {p}%",
    notSure: "잘 모르겠어요 — {d}일까요? ({p}%)",
    empty: "아직 숫자가 보이지 않아요. 조금 더 크게 그려 보세요.",
    error: "문제가 생겼어요: {m}",
    offline: "서버에 연결하지 못했어요. 연결을 확인하고 다시 그려 보세요.",
    probabilities: "확률",
    preview: "모델이 본 그림 (28×28)",
    previewLabel: "모델이 본 28×28 그림",
    announce: "예측: {d}, 확신도 {p}%",
    announceUnsure: "잘 모르겠어요. {d}일 수도 있어요, {p}%",
    how: "그린 숫자를 잘라 20×20 안에 맞추고, 무게중심이 28×28의 가운데에 오도록 옮깁니다. MNIST를 만든 방법 그대로입니다. 합성곱 신경망(합성곱 → 풀링 → 활성화 → 완전연결 → 소프트맥스)이 열 개의 확률을 계산합니다.",
    model: "모델: {name} · 파라미터 {params}개 · MNIST 테스트 정확도 {acc}% · {ms} ms",
  },
};

const STORAGE_KEY = "digitpad.lang";

// Private browsing can make localStorage throw; the language then simply is not remembered.
function remembered() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function remember(code) {
  try {
    localStorage.setItem(STORAGE_KEY, code);
  } catch {
    /* not remembered */
  }
}

export function initialLanguage() {
  const saved = remembered();
  if (saved in STRINGS) return saved;
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  return preferred.some((l) => l && l.toLowerCase().startsWith("ko")) ? "ko" : "en";
}

let current = "en";

export function lang() {
  return current;
}

export function t(key, values = {}) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

export function setLanguage(code, root = document) {
  current = code in STRINGS ? code : "en";
  remember(current);
  root.documentElement.lang = current;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nAria));
  }
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
}
