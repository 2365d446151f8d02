// Numbers drawn as ink on paper (0: white, `peak`: black), the way every page shows what the
// model saw: the pad's 28x28 preview, the wall's thumbnails, a long vector folded into a square.
export function inkImage(values, width, height, peak = 1) {
  const image = new ImageData(width, height);
  values.forEach((v, i) => {
    const g = 255 - Math.round((Math.min(Math.max(v, 0), peak) / peak) * 255);
    image.data.set([g, g, g, 255], i * 4);
  });
  return image;
}

// The same, as a canvas of its own (a thumbnail, a digit of a number, a folded vector).
export function inkCanvas(values, width, height, peak = 1) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  canvas.getContext("2d").putImageData(inkImage(values, width, height, peak), 0, 0);
  return canvas;
}
