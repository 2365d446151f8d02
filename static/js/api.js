// Talking to the server, shared by every page.

// A prediction is idempotent: when the network fails (a worker restarted during a deploy, a phone
// switching access points), ask once more before showing an error. Aborts are not retried.
export async function askServer(url, init, { retries = 1, retryDelayMs = 150 } = {}) {
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(url, init);
      const answer = await response.json().catch(() => ({}));
      return { response, answer };
    } catch (err) {
      if (err.name === "AbortError" || attempt >= retries) throw err;
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
      if (init.signal?.aborted) throw new DOMException("aborted", "AbortError");
    }
  }
}

// The server's error codes as keys of static/i18n.json: its English sentences never appear
// inside Korean ones.
const ERROR_KEYS = {
  too_large: "errorTooLarge",
  invalid_image: "errorInvalidImage",
  too_many_requests: "errorRateLimited",
};

export function errorText(status, answer) {
  const key = ERROR_KEYS[answer?.error];
  return key ? [key, {}] : ["errorServer", { status }];
}

// Read a server-sent-events response (fetched, so it can carry an Authorization header) and call
// onEvent(name, data) for each event; stops early when onEvent returns true. The reader is always
// released: browsers allow six connections per server, and a stream left open holds one.
export async function readEvents(response, onEvent) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let name = "message";
        let data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) name = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        if (data && onEvent(name, JSON.parse(data))) return;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
