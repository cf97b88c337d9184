// Living inside TensorBoard: its reloads, its dark mode, its page's URL.
//
// TensorBoard shows the tab in an iframe (/data/plugin_entry.html). When the
// page is opened on its own, or by a cross-origin embedder, these do nothing.

const POLL_INTERVAL_MS = 15000;

/**
 * Call `onReload` when TensorBoard reloads its data (its plugin message
 * channel sends `experimental.DataReloaded`), and every 15 s while visible.
 */
export function followReloads(onReload) {
  connectToTensorBoard(onReload);
  setInterval(() => document.visibilityState === "visible" && onReload(), POLL_INTERVAL_MS);
}

/** Listen for TensorBoard's reloads over its plugin message channel (when embedded). */
function connectToTensorBoard(onReload) {
  if (window.parent === window) return;
  const channel = new MessageChannel();
  channel.port1.onmessage = (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (message.isReply) return;
    if (message.type === "experimental.DataReloaded") onReload();
    channel.port1.postMessage(JSON.stringify({ type: message.type, id: message.id, payload: null, error: null, isReply: true }));
  };
  window.parent.postMessage("experimental.bootstrap", window.location.origin, [channel.port2]);
}

/** Mirror TensorBoard's dark mode (a class on its body) when embedded. */
export function followDarkMode() {
  let body;
  try {
    body = window.parent !== window ? window.parent.document.body : null;
  } catch {
    return; // a cross-origin embedder
  }
  if (!body) return;
  const sync = () => document.documentElement.classList.toggle("cc-dark", body.classList.contains("dark-mode"));
  new MutationObserver(sync).observe(body, { attributes: true, attributeFilter: ["class"] });
  sync();
}

/** TensorBoard's own page URL (a URL object), or null when not embedded by it. */
export function embeddingUrl() {
  try {
    return window.parent !== window ? new URL(window.parent.location.href) : null;
  } catch {
    return null; // a cross-origin embedder
  }
}
