import sharp from 'sharp';
import { prepareImage } from '/work/main/core/images/image-pipeline.ts';
const imgs: Buffer[] = [];
for (let i = 0; i < 4; i++) imgs.push(await sharp({ create: { width: 4000, height: 3000, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 20 } } }).blur(1.5).jpeg({ quality: 92 }).withExif({ IFD0: { Make: 'x' } }).toBuffer());
console.log('sizes', imgs.map((b) => b.length));
async function bare() { for (const b of imgs) { await sharp(b).metadata(); await sharp(b).rotate().resize(480, 480, { fit: 'inside' }).webp().toBuffer(); } }
async function ours() { for (const b of imgs) await prepareImage(b, { maxImagePixels: 100e6 }); }
for (let r = 0; r < 3; r++) {
  let t = performance.now(); await bare(); const a = performance.now() - t;
  t = performance.now(); await ours(); const o = performance.now() - t;
  console.log('bare', Math.round(a), 'ours', Math.round(o), 'ratio', (o / a).toFixed(2));
}
