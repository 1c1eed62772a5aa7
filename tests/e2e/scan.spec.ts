import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test } from '@playwright/test';
import QRCode from 'qrcode';
import { setUpWorkspace, startRecord } from './helpers';

/**
 * The patient scans a professional's contact QR with the camera. Chromium's fake camera plays a
 * Y4M file; the test renders the professional's real contact code into it, so the app decodes
 * exactly what a phone camera would see on the professional's screen.
 */

/** A grey-scale Y4M clip (4:2:0, neutral chroma) showing `text` as a QR code. */
function qrVideo(text: string): string {
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

test('a patient scans a physiotherapist’s contact code with the camera', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(90_000);
  // The physiotherapist shows a contact code in their workspace.
  const physio = await (await browser.newContext()).newPage();
  await physio.goto('/');
  const physioPrint = await setUpWorkspace(physio, {
    kind: 'professional',
    name: 'Ana Jensen',
    profession: 'Physiotherapist',
    org: 'Fysio Nord',
  });
  await physio.getByRole('button', { name: 'Show my contact code instead' }).click();
  const contact = await physio.getByTestId('link-code').inputValue();
  expect(contact.length).toBeGreaterThan(50);

  // The patient's phone: a camera that sees the physio's screen.
  const phone = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${qrVideo(contact)}`,
    ],
  });
  try {
    const context = await phone.newContext({ baseURL, permissions: ['camera'] });
    const patient = await context.newPage();
    await startRecord(patient);
    await patient.getByRole('link', { name: 'Share' }).first().click();

    await patient.getByRole('button', { name: 'Scan their contact code with the camera' }).click();
    await expect(patient.getByRole('heading', { name: 'Who is asking' })).toBeVisible({
      timeout: 20_000,
    });
    await expect(patient.getByTestId('invitee')).toContainText('Ana Jensen');
    await expect(patient.getByTestId('invitee-fingerprint')).toHaveText(physioPrint ?? 'missing');
    // The camera is off once the code is read.
    await expect(patient.getByLabel('Camera view')).toHaveCount(0);
  } finally {
    await phone.close();
  }
});
