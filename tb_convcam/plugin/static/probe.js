// The probe image beside each run's mosaic: the picture its maps are maps of,
// at the mosaic's on-screen height so that it zooms with it.

import { probeUrl } from "./model.js";

/**
 * Show `panel`'s probe image number `index` when its run `logged` one (loaded
 * once per panel and image); `onLoad` runs once its size is known (or it
 * failed), so that Fit can make room for it.
 */
export function showProbe(panel, logged, index, onLoad) {
  const url = logged ? probeUrl(panel.run, index) : null;
  panel.probe.hidden = !url || panel.probeAspect === 0;
  if (!url || panel.probeImage.getAttribute("src") === url) return;
  const image = panel.probeImage;
  // Handlers, not listeners: a newer choice of image replaces a load still under way.
  image.onload = () => {
    panel.probeAspect = image.naturalWidth / image.naturalHeight;
    panel.probe.hidden = false;
    if (panel.canvas.style.height) sizeProbe(panel, parseFloat(panel.canvas.style.height));
    onLoad();
  };
  image.onerror = () => {
    panel.probeAspect = 0;
    panel.probe.hidden = true;
    onLoad();
  };
  image.src = url;
}

/** Size the probe image to `height` CSS pixels, pixelated where it is enlarged. */
export function sizeProbe(panel, height) {
  if (!panel.probeAspect) return;
  const image = panel.probeImage;
  image.style.height = `${height}px`;
  image.style.width = `${Math.round(height * panel.probeAspect)}px`;
  image.style.imageRendering = height >= image.naturalHeight ? "pixelated" : "auto";
}
