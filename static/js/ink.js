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
