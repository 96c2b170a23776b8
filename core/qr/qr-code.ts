import type { QrCode } from '../types.js';

/** QR codes for gallery links: PNG of 512 px with error correction M (survives a phone photo of a screen). */
export async function makeQrCode(url: string): Promise<QrCode> {
  // Loaded by the first QR drawn: most commands never draw one.
  const { default: QRCode } = await import('qrcode');
  const options = { errorCorrectionLevel: 'M' as const, margin: 2 };
  const [png, svg, terminal] = await Promise.all([
    QRCode.toBuffer(url, { ...options, type: 'png', width: 512 }),
    QRCode.toString(url, { ...options, type: 'svg' }),
    QRCode.toString(url, { ...options, type: 'terminal', small: true }),
  ]);
  return { png, svg, terminal };
}
