// The probe image beside each run's mosaic: the picture its maps are maps of,
// at the mosaic's on-screen height so that it zooms with it.

import { probeUrl } from "./model.js";

/**
 * Show `panel`'s probe image when its run `logged` one (loaded once per panel);
 * `onLoad` runs once its size is known, so that Fit can make room for it.
 */
export function showProbe(panel, logged, onLoad) {
  panel.probe.hidden = !logged || panel.probeAspect === 0;
  if (!logged || panel.probeImage.getAttribute("src")) return;
  panel.probeImage.addEventListener("load", () => {
    const image = panel.probeImage;
    panel.probeAspect = image.naturalWidth / image.naturalHeight;
    panel.probe.hidden = false;
    onLoad();
  }, { once: true });
  panel.probeImage.src = probeUrl(panel.run);
}

/** Size the probe image to `height` CSS pixels, pixelated where it is enlarged. */
export function sizeProbe(panel, height) {
  if (!panel.probeAspect) return;
  const image = panel.probeImage;
  image.style.height = `${height}px`;
  image.style.width = `${Math.round(height * panel.probeAspect)}px`;
  image.style.imageRendering = height >= image.naturalHeight ? "pixelated" : "auto";
}
