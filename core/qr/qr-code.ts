import { createRequire } from 'node:module';
import { loadSharp } from '../images/sharp-loader.js';
import type { QrCode } from '../types.js';

const OPTIONS = { errorCorrectionLevel: 'M' as const, margin: 2 };
const MIN_PNG_PIXELS = 512;

/**
 * QR codes for gallery links: a PNG of at least 512 px with error correction M (survives a phone
 * photo of a screen), an SVG and terminal text. The PNG is drawn as whole pixels per module and
 * encoded by sharp on a worker thread: qrcode's own PNG encoder (pngjs, in JavaScript) held the
 * event loop 30-250 ms per code, which every visitor of the site felt while an upload finished.
 */
export async function makeQrCode(url: string): Promise<QrCode> {
  // Loaded by the first QR drawn: most commands never draw one. Required, not imported: qrcode is
  // CommonJS, which Node 20 loads faster that way (see sharp-loader.ts).
  const QRCode = createRequire(import.meta.url)('qrcode') as typeof import('qrcode');
  const [png, svg, terminal] = await Promise.all([
    qrPng(QRCode, url),
    QRCode.toString(url, { ...OPTIONS, type: 'svg' }),
    QRCode.toString(url, { ...OPTIONS, type: 'terminal', small: true }),
  ]);
  return { png, svg, terminal };
}

async function qrPng(QRCode: typeof import('qrcode'), url: string): Promise<Buffer> {
  const { modules } = QRCode.create(url, { errorCorrectionLevel: OPTIONS.errorCorrectionLevel });
  const modulesAcross = modules.size + 2 * OPTIONS.margin;
  // Whole pixels per module keep every edge sharp.
  const scale = Math.ceil(MIN_PNG_PIXELS / modulesAcross);
  const side = modulesAcross * scale;
  const pixels = Buffer.alloc(side * side, 0xff);
  for (let row = 0; row < modules.size; row++) {
    for (let column = 0; column < modules.size; column++) {
      if (!modules.get(row, column)) continue;
      const top = (row + OPTIONS.margin) * scale;
      const left = (column + OPTIONS.margin) * scale;
      for (let y = top; y < top + scale; y++) pixels.fill(0, y * side + left, y * side + left + scale);
    }
  }
  const sharp = await loadSharp();
  return sharp(pixels, { raw: { width: side, height: side, channels: 1 } })
    .png({ palette: true, colours: 2 })
    .toBuffer();
}
