// The run list of a sweep: natural order of run names and the run filter.
// No DOM, so Node tests it (tests/js/runfilter.test.mjs).
//
// The filter is a regular expression matched like TensorBoard's own run
// filter: case-insensitive, anywhere in the name. An invalid pattern filters
// nothing and says so, it never throws.

const CHUNKS = /(\d+)/; // split keeps the digit runs at the odd indices

/**
 * Natural order: digit runs compare as numbers (`seed=14` before `seed=104`,
 * `run2` before `run10`), the text between them case-insensitively. Ties (`a`
 * and `A`, `run1` and `run01`) fall back to plain code-unit order, so the
 * order is total and the same in every browser.
 */
export function naturalCompare(a, b) {
  const left = String(a).split(CHUNKS);
  const right = String(b).split(CHUNKS);
  const count = Math.min(left.length, right.length);
  for (let i = 0; i < count; i++) {
    const order = i % 2 ? compareDigits(left[i], right[i]) : compareText(left[i].toLowerCase(), right[i].toLowerCase());
    if (order) return order;
  }
  if (left.length !== right.length) return left.length < right.length ? -1 : 1;
  return compareText(String(a), String(b));
}

/** Two digit runs by value, of any length (no Number overflow): leading zeros stripped, then length, then digits. */
function compareDigits(a, b) {
  const x = a.replace(/^0+/, "");
  const y = b.replace(/^0+/, "");
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return compareText(x, y);
}

function compareText(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A sorted copy of `names`, in natural order. */
export function naturalSort(names) {
  return [...names].sort(naturalCompare);
}

/**
 * The filter for `pattern`: `{ test(name), error }`. An empty pattern matches
 * every name; an invalid one too, with `error` set to "invalid regular expression".
 */
export function runMatcher(pattern) {
  const text = String(pattern || "");
  if (!text) return { test: () => true, error: null };
  let regex;
  try {
    regex = new RegExp(text, "i");
  } catch {
    return { test: () => true, error: "invalid regular expression" };
  }
  return { test: (name) => regex.test(String(name)), error: null };
}

/** The runs the filter shows, in the given order, and the filter's error (or null). */
export function filterRuns(runs, pattern) {
  const matcher = runMatcher(pattern);
  return { shown: runs.filter((run) => matcher.test(run)), error: matcher.error };
}

/** The selection after "All" (`on`) or "None": the shown runs ticked or unticked, hidden ones kept as they are. */
export function tickShown(allRuns, selected, shown, on) {
  const chosen = new Set(selected);
  for (const run of shown) {
    if (on) chosen.add(run);
    else chosen.delete(run);
  }
  return allRuns.filter((run) => chosen.has(run));
}

/** "12 of 150 runs" (or "1 of 1 run"). */
export function runCount(shown, total) {
  return `${shown} of ${total} ${total === 1 ? "run" : "runs"}`;
}
