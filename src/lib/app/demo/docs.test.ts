import { describe, expect, it } from 'vitest';
import { isDocumentData, openDocument, type DocumentData } from '$lib/core/documents/index';
import type { Entry } from '$lib/core/record';
import type { DemoContext, DemoWriter } from './context';
import { demoDocs, takeDemoBlobs, textPdf } from './docs';

describe('demo documents', () => {
  it('writes one discharge letter whose blob opens to a real PDF', () => {
    const written: Array<{ type: string; data: unknown; at: Date }> = [];
    const writer: DemoWriter = {
      write(type, data, at) {
        written.push({ type, data, at });
        return {
          id: 'x',
          type,
          at: at.toISOString(),
          author: { deviceId: 'd', role: 'owner' },
          data,
          v: 1,
        } as Entry<never>;
      },
    };
    const ctx: DemoContext = {
      now: new Date('2026-06-01T12:00:00'),
      rng: () => 0.5,
      patient: writer,
      physio: writer,
      relative: writer,
    };
    demoDocs(ctx);
    expect(written).toHaveLength(1);
    const data = written[0]!.data as DocumentData;
    expect(written[0]!.type).toBe('document');
    expect(isDocumentData(data)).toBe(true);
    const [blob] = takeDemoBlobs();
    expect(blob?.blobId).toBe(data.blobId);
    const pdf = new TextDecoder().decode(openDocument(data, blob!.blob));
    expect(pdf).toMatch(/^%PDF-1\.4/);
    expect(pdf).toContain('Discharge letter');
    expect(pdf.trimEnd().endsWith('%%EOF')).toBe(true);
    expect(takeDemoBlobs()).toEqual([]);
    expect(textPdf(['a']).length).toBeLessThan(1000);
  });
});
