import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { defaultBrand, type Brand } from '../../config.js';
import { brandLogoPng, emailLogoPng } from './brand-logo.js';

// R37: the brand's logo as a PNG for the emails and the certificate, from what the portal holds; nothing fetched.

const brand = (logoUrl?: string): Brand => ({ ...defaultBrand, ...(logoUrl ? { logoUrl } : { logoUrl: undefined }) });
const wide =
  '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="60"><rect width="300" height="60" fill="#0b5394"/></svg>';

test('without a logo in the brand file, the mark the header shows, drawn from the brand colours', async () => {
  const png = await emailLogoPng(brand());
  assert.ok(png);
  const { width, height, format } = await sharp(png).metadata();
  assert.deepEqual([format, width, height], ['png', 64, 64]);
  const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  // The centre of the mark is the cross, in the colour text takes on the primary colour (#ffffff by default).
  const centre = (32 * 64 + 32) * 4;
  assert.deepEqual([...data.subarray(centre, centre + 3)], [255, 255, 255]);
});

test('an SVG data: URI, base64 or percent-encoded, is drawn to fit the box, keeping its shape', async () => {
  for (const uri of [
    `data:image/svg+xml;base64,${Buffer.from(wide).toString('base64')}`,
    `data:image/svg+xml,${encodeURIComponent(wide)}`,
  ]) {
    const png = await brandLogoPng(brand(uri), [320, 64]);
    assert.ok(png, uri.slice(0, 30));
    const { width, height } = await sharp(png).metadata();
    assert.deepEqual([width, height], [320, 64]);
  }
});

test('a bitmap logo is only ever shrunk; a remote or unreadable logo gives nothing (the name stays as text)', async () => {
  const small = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#0b5394' } })
    .png()
    .toBuffer();
  const png = await brandLogoPng(brand(`data:image/png;base64,${small.toString('base64')}`), [320, 64]);
  assert.ok(png);
  assert.deepEqual([(await sharp(png).metadata()).width, (await sharp(png).metadata()).height], [40, 20]);
  assert.equal(await brandLogoPng(brand('https://cdn.example.test/logo.svg'), [320, 64]), undefined);
  assert.equal(await brandLogoPng(brand('data:image/png;base64,bm90IGEgcG5n'), [320, 64]), undefined);
  assert.equal(await brandLogoPng(brand('/assets/no-such-logo.svg'), [320, 64]), undefined);
});
