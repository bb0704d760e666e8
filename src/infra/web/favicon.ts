import { crc32, deflateSync } from 'node:zlib';
import type { Brand } from '../../config.js';

// R37: the brand's favicon, drawn from its colours at start: a rounded square in the primary colour with a cross in
// the colour text takes on it. An SVG for browsers (linked from every page) and the same drawing as /favicon.ico,
// which browsers, bookmarks and feed readers ask for without reading the page.

type Colors = Brand['colors'];

/** The favicon as SVG: 32 units square, the cross a fifth of the width thick. */
export function faviconSvg(colors: Colors): string {
  return (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
    `<rect width="32" height="32" rx="6" fill="${colors.primary}"/>` +
    `<path d="M13 6h6v7h7v6h-7v7h-6v-7H6v-6h7z" fill="${colors.primaryText}"/>` +
    '</svg>'
  );
}

const SIZE = 32;

function rgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** Whether pixel (x, y) of the 32×32 drawing lies in the cross, in the rounded square, or outside it. */
function pixel(x: number, y: number): 'cross' | 'square' | 'outside' {
  const inBar = (a: number, b: number) => a >= 13 && a < 19 && b >= 6 && b < 26;
  if (inBar(x, y) || inBar(y, x)) return 'cross';
  // The rounded corners (radius 6), measured from the pixel's centre.
  const cx = Math.min(Math.max(x + 0.5, 6), SIZE - 6);
  const cy = Math.min(Math.max(y + 0.5, 6), SIZE - 6);
  return (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= 36 ? 'square' : 'outside';
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

/** The drawing as a 32×32 RGBA PNG (PNG 1.2: signature, IHDR, one IDAT, IEND). */
export function faviconPng(colors: Colors): Buffer {
  const fill = {
    cross: [...rgb(colors.primaryText), 255],
    square: [...rgb(colors.primary), 255],
    outside: [0, 0, 0, 0],
  };
  const rows: number[] = [];
  for (let y = 0; y < SIZE; y++) {
    rows.push(0); // filter: none
    for (let x = 0; x < SIZE; x++) rows.push(...fill[pixel(x, y)]);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits a channel, RGBA, deflate, no filter set, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.from(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The PNG inside an ICO container (one image; ICO has carried PNG images since Windows Vista). */
export function faviconIco(colors: Colors): Buffer {
  const png = faviconPng(colors);
  const head = Buffer.alloc(22);
  head.writeUInt16LE(0, 0); // reserved
  head.writeUInt16LE(1, 2); // type: icon
  head.writeUInt16LE(1, 4); // one image
  head.writeUInt8(SIZE, 6);
  head.writeUInt8(SIZE, 7);
  head.writeUInt8(0, 8); // no palette
  head.writeUInt8(0, 9);
  head.writeUInt16LE(1, 10); // colour planes
  head.writeUInt16LE(32, 12); // bits per pixel
  head.writeUInt32LE(png.length, 14);
  head.writeUInt32LE(head.length, 18); // the image starts right after this header
  return Buffer.concat([head, png]);
}
