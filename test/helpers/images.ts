import sharp from 'sharp';

/** Test images made at run time (nothing binary is checked in). Colours vary with `seed` so hashes differ. */
export async function makeJpeg(width = 64, height = 48, seed = 1): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour(seed) } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

export async function makePng(width = 64, height = 48, seed = 2): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { ...colour(seed), alpha: 1 } } })
    .png()
    .toBuffer();
}

export async function makeGif(width = 32, height = 32, seed = 3): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour(seed) } })
    .gif()
    .toBuffer();
}

export async function makeWebp(width = 64, height = 48, seed = 4): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour(seed) } })
    .webp()
    .toBuffer();
}

/** A photo-like JPEG (noise compresses like a real photo), for size-sensitive tests and benchmarks. */
export async function makePhotoJpeg(width: number, height: number, seed = 1): Promise<Buffer> {
  const noise = sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 100 + (seed % 50), sigma: 40 },
    },
  });
  return noise.jpeg({ quality: 88 }).toBuffer();
}

export const textFile = (): Buffer => Buffer.from('This is a plain text file, not a picture.\n'.repeat(20));
export const svgFile = (): Buffer =>
  Buffer.from(
    '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>',
  );
export const pdfFile = (): Buffer => Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

function colour(seed: number) {
  return { r: (seed * 67) % 256, g: (seed * 131) % 256, b: (seed * 197) % 256 };
}
