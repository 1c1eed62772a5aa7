// Draws the Backpack icon (a backpack on the theme colour) into PNGs with no dependencies:
// shapes are tested per pixel with 4×4 supersampling, then written as PNG with zlib.
import { writeFileSync, mkdirSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const GREEN = [0x2f, 0x5d, 0x50];
const CREAM = [0xf7, 0xf5, 0xf0];

function inRoundRect(x, y, rx, ry, w, h, r) {
  if (x < rx || y < ry || x > rx + w || y > ry + h) return false;
  const cx = Math.min(Math.max(x, rx + r), rx + w - r);
  const cy = Math.min(Math.max(y, ry + r), ry + h - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

/** Colour at (x, y) in a 64-unit design; `safe` shrinks the glyph for maskable icons. */
function colourAt(x, y, { maskable }) {
  if (!maskable && !inRoundRect(x, y, 0, 0, 64, 64, 14)) return null;
  const s = maskable ? 0.72 : 1;
  const gx = (x - 32) / s + 32;
  const gy = (y - 33) / s + 33;
  const handle = Math.hypot(gx - 32, gy - 17) <= 9 && Math.hypot(gx - 32, gy - 17) >= 5 && gy <= 19;
  const body = inRoundRect(gx, gy, 14, 18, 36, 36, 9);
  const pocket = inRoundRect(gx, gy, 21, 33, 22, 13, 4);
  const flap =
    gy >= 29.5 && gy <= 33 && gx >= 26 && gx <= 38 && !(gy > 30.5 && gx > 27.5 && gx < 36.5);
  if (pocket || flap) return GREEN;
  if (body || handle) return CREAM;
  return GREEN;
}

function png(size, opts) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  const n = 4;
  for (let py = 0; py < size; py++) {
    raw[py * (size * 4 + 1)] = 0;
    for (let px = 0; px < size; px++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let sy = 0; sy < n; sy++)
        for (let sx = 0; sx < n; sx++) {
          const c = colourAt(
            ((px + (sx + 0.5) / n) / size) * 64,
            ((py + (sy + 0.5) / n) / size) * 64,
            opts,
          );
          if (c) {
            r += c[0];
            g += c[1];
            b += c[2];
            a += 255;
          }
        }
      const k = n * n;
      const o = py * (size * 4 + 1) + 1 + px * 4;
      const cov = a / 255;
      raw[o] = cov ? Math.round(r / cov) : 0;
      raw[o + 1] = cov ? Math.round(g / cov) : 0;
      raw[o + 2] = cov ? Math.round(b / cov) : 0;
      raw[o + 3] = Math.round(a / k);
    }
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const table = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
  return c ^ 0xffffffff;
}

const out = new URL('../static/icons/', import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(new URL('icon-192.png', out), png(192, { maskable: false }));
writeFileSync(new URL('icon-512.png', out), png(512, { maskable: false }));
writeFileSync(new URL('icon-maskable-512.png', out), png(512, { maskable: true }));
console.log('icons written to static/icons/');
