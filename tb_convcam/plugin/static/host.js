// Living inside TensorBoard: its reloads, its dark mode, its page's URL, the
// keys pressed while the focus is in its page rather than in the tab.
//
// TensorBoard shows the tab in an iframe (/data/plugin_entry.html). When the
// page is opened on its own, or by a cross-origin embedder, these do nothing.

const POLL_INTERVAL_MS = 15000;
// The tab's keys (scrubber.js, filmstrip.js) that TensorBoard's page hands on when it has the focus.
const HOST_KEYS = new Set(["ArrowLeft", "ArrowRight", "Home", "End", " ", "Escape"]);
// Widgets of TensorBoard's page that use those keys themselves: they keep them.
const KEYED_ROLES = new Set([
  "textbox", "searchbox", "combobox", "listbox", "option", "slider", "spinbutton",
  "menu", "menubar", "menuitem", "radiogroup", "radio", "grid", "tree", "treegrid",
]);
const PRESSED_ROLES = new Set(["button", "link", "tab", "checkbox", "switch"]); // space presses these

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

/**
 * Hand the tab's keys pressed in TensorBoard's page (same origin) on to this
 * document, while the tab's iframe is the one shown: a key works without a
 * first click into the tab. Not from fields or widgets that use the key
 * themselves, nor with Ctrl, Alt or Meta (browser shortcuts); the page's
 * default is prevented only where the tab acted. Stops when the iframe goes.
 */
export function followHostKeys() {
  const frame = window.frameElement; // null when not embedded, or embedded by another origin
  if (!frame) return;
  const host = frame.ownerDocument;
  const handOn = (event) => {
    if (!frame.isConnected) return stop();
    if (!HOST_KEYS.has(event.key) || event.ctrlKey || event.altKey || event.metaKey) return;
    if (!isShown(frame) || keptByHost(event)) return;
    const copy = new KeyboardEvent("keydown", { key: event.key, code: event.code, shiftKey: event.shiftKey, bubbles: true, cancelable: true });
    if (!document.dispatchEvent(copy)) event.preventDefault();
  };
  const stop = () => host.removeEventListener("keydown", handOn);
  host.addEventListener("keydown", handOn);
  window.addEventListener("pagehide", stop);
}

/** Whether the tab's iframe is the dashboard shown: TensorBoard hides the others (visibility: hidden, no height). */
function isShown(frame) {
  const box = frame.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && (frame.checkVisibility?.({ visibilityProperty: true, checkVisibilityCSS: true }) ?? true);
}

/** Whether the focused element of TensorBoard's page takes this key itself (read by name: it is another window's element). */
function keptByHost(event) {
  const target = event.composedPath()[0]; // inside shadow roots too
  if (!target || target.nodeType !== Node.ELEMENT_NODE) return false;
  const name = target.localName;
  const role = target.getAttribute("role");
  if (name === "input" || name === "textarea" || name === "select" || target.isContentEditable) return true;
  if (KEYED_ROLES.has(role) || target.closest("[role=dialog], [role=menu], [role=listbox]")) return true;
  return event.key === " " && (name === "button" || name === "a" || PRESSED_ROLES.has(role));
}
