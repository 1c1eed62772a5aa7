import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportBundle } from './export';
import { DEMO_NOW, DEMO_RECORD } from './fixtures/demo-record';
import { ipsView, IpsViewError } from './ips-view';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

describe('ipsView', () => {
  it('reads the demo export: patient, problems, medicines, results, plan', () => {
    const v = ipsView(exportBundle(DEMO_RECORD, { now: DEMO_NOW }));
    expect(v.patient).toEqual({ name: 'Mette Sørensen', birthDate: '1981-04-12' });
    expect(v.sections.problems.map((p) => p.text)).toContain('Lændesmerter (low back pain)');
    expect(v.sections.medications.length).toBeGreaterThan(0);
    expect(v.sections.results.length).toBeGreaterThan(0);
    expect(v.date).toBe(DEMO_NOW);
  });

  it('reads national IPS documents (Danish, Dutch)', () => {
    for (const name of ['dk-ips.json', 'nl-ips.json']) {
      const v = ipsView(fixture(name));
      expect(v.patient?.name).toBeTruthy();
      expect(v.sections.problems.length + v.sections.medications.length).toBeGreaterThan(0);
    }
  });

  it('refuses what is not a Bundle and shows no markup from it', () => {
    expect(() => ipsView('nope')).toThrow(IpsViewError);
    expect(() => ipsView({ resourceType: 'Patient' })).toThrow(IpsViewError);
    const v = ipsView({
      resourceType: 'Bundle',
      entry: [{ resource: { resourceType: 'Condition', code: { text: '<img src=x>' } } }],
    });
    expect(v.sections.problems).toEqual([{ text: '<img src=x>' }]);
  });
});
