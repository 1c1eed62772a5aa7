import { sealDocument } from '$lib/core/documents/index';
import { daysAgo, type DemoContext } from './context';

/**
 * Demo material for documents (issue 12 item 7): a one-page discharge letter from a hospital,
 * built in code as a real PDF, attached by the patient five months ago. The entry is written
 * here; its encrypted blob is handed over with {@link takeDemoBlobs}, for the demo builder to put
 * in the device's document cache (`cacheDocumentBlob` in `record-documents.ts`) or upload.
 */

const LETTER = [
  'Aarhus University Hospital - Department of Spine Surgery',
  'Discharge letter',
  '',
  'Admitted with acute low back pain radiating to the left leg.',
  'MRI: disc herniation L5-S1 with contact to the left S1 root.',
  'No red flags. Treated conservatively; pain 8/10 on admission, 5/10 at discharge.',
  'Plan: physiotherapy with graded activity; ibuprofen 400 mg as needed, at most 3 a day.',
  'Follow-up with the GP in 4 weeks; re-refer if weakness or bladder symptoms appear.',
  '',
  'Dr. Karen Holm, consultant',
];

/** A minimal one-page PDF (Helvetica) with `lines` of text; ASCII only. */
export function textPdf(lines: readonly string[]): Uint8Array {
  const esc = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`);
  const content = [
    'BT /F1 11 Tf 56 780 Td 15 TL',
    ...lines.map((l, i) => `${i === 0 ? '' : 'T* '}(${esc(l)}) Tj`),
    'ET',
  ].join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}

let pending: Array<{ blobId: string; blob: Uint8Array }> = [];

/** The encrypted blobs of the demo documents written since the last call (then forgotten). */
export function takeDemoBlobs(): Array<{ blobId: string; blob: Uint8Array }> {
  const out = pending;
  pending = [];
  return out;
}

export function demoDocs(ctx: DemoContext): void {
  const sealed = sealDocument(textPdf(LETTER), {
    fileName: 'discharge-letter-aarhus.pdf',
    title: 'Discharge letter, Aarhus University Hospital',
  });
  ctx.patient.write('document', sealed.data, daysAgo(ctx.now, 170, 15, 30));
  pending.push({ blobId: sealed.data.blobId, blob: sealed.blob });
}
