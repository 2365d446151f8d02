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
