// Which kernels of a step are dead or dormant, read from its step info alone
// (no DOM: Node imports this module in tests/js).
//
// Dead: the kernel's map is constant on the probe image the mosaic shows
// (stats min == max, no non-finite value).
// Dormant (τ-dormant, τ = 0.025, as the logger's dormant_fraction): its mean
// |activation| is at most τ × the mean over the source's shown kernels. The
// step info holds each kernel's signed mean, not its mean |a|, and its
// per-kernel health (echo, change) says nothing about magnitude. For a
// one-signed map (ReLU-like: min ≥ 0, or max ≤ 0) |mean| is exactly mean |a|;
// a map of both signs can average to ~0 while active, so it is never marked
// dormant, and its |mean| under-counts the layer's mean, which only marks
// fewer kernels, never more.

export const DORMANT_TAU = 0.025;

const cache = new WeakMap(); // decoded source -> its marks; hover and overlay ask per frame

/** Per shown kernel of a decoded source (tile order): "dead", "dormant" or null. */
export function kernelMarks(source) {
  let marks = cache.get(source);
  if (marks) return marks;
  const { min, max, mean, nonfinite } = source.stats;
  let total = 0;
  let counted = 0;
  for (let slot = 0; slot < mean.length; slot++) {
    if (Number.isFinite(mean[slot])) {
      total += Math.abs(mean[slot]);
      counted++;
    }
  }
  const threshold = counted ? (DORMANT_TAU * total) / counted : 0;
  marks = Array.from(mean, (value, slot) => {
    if (nonfinite[slot] > 0) return null;
    if (min[slot] === max[slot]) return "dead";
    const oneSigned = min[slot] >= 0 || max[slot] <= 0;
    return oneSigned && Math.abs(value) <= threshold ? "dormant" : null;
  });
  cache.set(source, marks);
  return marks;
}

/**
 * Per tile of a decoded step info, the mark to draw: "dead" if any shown source's kernel is
 * dead, else "dormant" if any is dormant, else null. With `colour` "sourceN" only that
 * source is painted (pixels.js picks it the same way), so only its marks count.
 */
export function tileMarks(info, colour) {
  const count = info.sources.length;
  const single = /^source\d$/.test(colour) ? Math.min(Number(colour.slice(6)), count - 1) : -1;
  const sources = count > 1 && single >= 0 ? [info.sources[single]] : info.sources;
  return info.kernels.map((_, slot) => {
    const marks = sources.map((source) => kernelMarks(source)[slot]);
    if (marks.includes("dead")) return "dead";
    return marks.includes("dormant") ? "dormant" : null;
  });
}
