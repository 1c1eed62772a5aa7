import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import QRCode from 'qrcode';

/** Chromium's fake camera plays a Y4M file: the browser tests render real codes into one. */

/** A grey-scale Y4M clip (4:2:0, neutral chroma) showing `text` as a QR code. */
export function qrVideo(text: string): string {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const W = 640;
  const H = 480;
  const scale = Math.floor(H / (modules.size + 8));
  const x0 = Math.floor((W - modules.size * scale) / 2);
  const y0 = Math.floor((H - modules.size * scale) / 2);
  const y = Buffer.alloc(W * H, 235);
  for (let r = 0; r < modules.size; r++) {
    for (let c = 0; c < modules.size; c++) {
      if (!modules.get(r, c)) continue;
      for (let dy = 0; dy < scale; dy++) {
        y.fill(
          16,
          (y0 + r * scale + dy) * W + x0 + c * scale,
          (y0 + r * scale + dy) * W + x0 + (c + 1) * scale,
        );
      }
    }
  }
  const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, chroma]);
  const file = join(mkdtempSync(join(tmpdir(), 'backpack-cam-')), 'qr.y4m');
  writeFileSync(
    file,
    Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`), frame, frame]),
  );
  return file;
}
