import { describe, expect, it } from 'vitest';
import { deriveKey, newSeed } from '$lib/core/crypto/index';
import {
  findRecords,
  INDEX_KEY_LABEL,
  openIndex,
  sealIndex,
  type PatientIndex,
} from './workspace-index';

/** The workspace's patient list: sealed per record, searchable and sortable at 200 patients. */

const key = deriveKey(newSeed(), INDEX_KEY_LABEL);

describe('workspace patient index', () => {
  it('is sealed per record: no plaintext, and it does not open under another record id or key', () => {
    const index: PatientIndex = { name: 'Søren Kierkegaard', birthDate: '1985-05-05' };
    const { nonce, ciphertext } = sealIndex(key, 'rec-a', index);
    expect(Buffer.from(ciphertext).includes(Buffer.from('Kierkegaard'))).toBe(false);
    expect(openIndex(key, 'rec-a', nonce, ciphertext)).toEqual(index);
    expect(openIndex(key, 'rec-b', nonce, ciphertext)).toBeNull();
    expect(openIndex(deriveKey(newSeed(), INDEX_KEY_LABEL), 'rec-a', nonce, ciphertext)).toBeNull();
    const junk = sealIndex(key, 'rec-a', { name: 5 } as unknown as PatientIndex);
    expect(openIndex(key, 'rec-a', junk.nonce, junk.ciphertext)).toBeNull();
  });

  it('finds and sorts 200 patients by name, date of birth and last activity', () => {
    const records = Array.from({ length: 200 }, (_, i) => ({
      recordId: `r${String(i).padStart(3, '0')}`,
      recordFingerprint: `FP-${i}`,
      patient:
        i === 199
          ? null
          : {
              name: i === 42 ? 'Ærlig Østergård' : `Patient ${String(199 - i).padStart(3, '0')}`,
              birthDate: `19${String(50 + (i % 50)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 10}`,
              lastActivity: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString(),
            },
    }));
    const t0 = performance.now();
    const byName = findRecords(records, '', 'name');
    const ms = performance.now() - t0;
    expect(byName).toHaveLength(200);
    // Æ sorts as "ae" (Unicode collation), before "Patient".
    expect(byName[0]!.patient?.name).toBe('Ærlig Østergård');
    expect(byName[1]!.patient?.name).toBe('Patient 001');
    expect(byName.at(-2)!.patient?.name).toBe('Patient 199');
    expect(byName.at(-1)!.patient).toBeNull();
    expect(ms).toBeLessThan(100);
    expect(findRecords(records, 'ostergard', 'name').map((r) => r.recordId)).toEqual(['r042']);
    expect(findRecords(records, 'patient 007', 'name').map((r) => r.recordId)).toEqual(['r192']);
    const dob = findRecords(records, '', 'birthDate');
    const days = dob.flatMap((r) => (r.patient?.birthDate ? [r.patient.birthDate] : []));
    expect(days).toEqual([...days].sort());
    expect(days).toHaveLength(199);
    expect(findRecords(records, '', 'activity')[0]!.recordId).toBe('r198');
    const formatted = findRecords(records, '17 may', 'name', () => '17 May 1984');
    expect(formatted).toHaveLength(199);
  });
});
