// What the browser remembers between visits (the language, the pad's shape, a student's id).
// Private browsing can make localStorage throw: then nothing is remembered, and nothing breaks.

export function stored(key, fallback = null) {
  try {
    return localStorage.getItem(key) ?? fallback;
  } catch {
    return fallback;
  }
}

export function store(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* not remembered */
  }
}
