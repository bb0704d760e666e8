import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Brand } from '../../config.js';
import { EMAIL_LOGO_BOX } from '../outbox/templates/email-layout.js';
import { faviconSvg } from './favicon.js';
import { defaultPublicDir } from './public-dir.js';

// R37: the brand's logo as PNG bytes, for what cannot show it by address: a PDF (pdfkit draws no SVG) and an email
// (mail clients block remote images and most show no SVG, so the logo travels inside the message). The source is
// the brand file's logo when it is a data: URI or a file under the portal's /assets/, or, when the brand names none,
// the mark the header shows (drawn from the brand's colours). A remote (https://) logo gives nothing: nothing is
// fetched to make a PDF or an email.

async function logoSource(logoUrl: string | undefined, colors: Brand['colors']) {
  if (!logoUrl) return { bytes: Buffer.from(faviconSvg(colors)), svg: true };
  const data = /^data:image\/(png|jpeg|webp|svg\+xml)(;base64)?,(\S+)$/.exec(logoUrl);
  if (data) {
    const bytes = data[2] ? Buffer.from(data[3]!, 'base64') : Buffer.from(decodeURIComponent(data[3]!), 'utf8');
    return { bytes, svg: data[1] === 'svg+xml' };
  }
  if (/^\/assets\/[A-Za-z0-9._-]+\.(svg|png|jpe?g|webp)$/.test(logoUrl)) {
    const bytes = await readFile(join(defaultPublicDir, logoUrl.slice('/assets/'.length))).catch(() => undefined);
    return bytes && { bytes, svg: logoUrl.endsWith('.svg') };
  }
  return undefined;
}

async function rasterise(brand: Brand, box: Readonly<[number, number]>): Promise<Buffer | undefined> {
  const source = await logoSource(brand.logoUrl, brand.colors);
  if (!source) return undefined;
  try {
    // sharp (libvips) is loaded only when there is a logo to draw, not by every command that opens the runtime.
    const { default: sharp } = await import('sharp');
    // An SVG is drawn at a density that fills the box however small its own size; a bitmap is only ever shrunk.
    return await sharp(source.bytes, { density: source.svg ? 288 : 72, limitInputPixels: 25_000_000 })
      .resize({ width: box[0], height: box[1], fit: 'inside', withoutEnlargement: !source.svg })
      .png()
      .toBuffer();
  } catch {
    // A logo sharp cannot read is left out; the brand's name is always there as text.
    return undefined;
  }
}

const made = new Map<string, Promise<Buffer | undefined>>();

/** The brand's logo as a PNG that fits in `box` pixels, or undefined when there is none to draw. Made once, kept. */
export function brandLogoPng(brand: Brand, box: Readonly<[number, number]>): Promise<Buffer | undefined> {
  const key = `${box[0]}x${box[1]} ${brand.logoUrl ?? `mark ${brand.colors.primary} ${brand.colors.primaryText}`}`;
  let png = made.get(key);
  if (!png) {
    png = rasterise(brand, box);
    made.set(key, png);
  }
  return png;
}

/** The PNG the email header names by EMAIL_LOGO_CID, at twice the header's box. */
export function emailLogoPng(brand: Brand): Promise<Buffer | undefined> {
  return brandLogoPng(brand, [EMAIL_LOGO_BOX[0] * 2, EMAIL_LOGO_BOX[1] * 2]);
}
