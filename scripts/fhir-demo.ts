// `npm run -s fhir:demo`: prints the app's demo record (`collectDemo`, the same entries the demo
// on a device holds) as an IPS Bundle on stdout, after validating it (the project's checks and
// Medplum's validator on the trimmed R4 definitions); exits 1 with the problems on stderr.
import { recordViewOf } from '../src/lib/app/fhir-record';
import { collectDemo, DEMO_PHYSIO, DEMO_RELATIVE } from '../src/lib/app/demo/index';
import { checkBundle, exportBundle } from '../src/lib/core/fhir/index';
import { medplumIssues } from '../src/lib/core/fhir/medplum.testing';

const now = new Date(process.env['DEMO_NOW'] ?? '2026-12-01T09:00:00.000Z');
const people = new Map([
  ['b'.repeat(64), DEMO_PHYSIO],
  ['c'.repeat(64), DEMO_RELATIVE],
]);
const bundle = exportBundle(recordViewOf('demo-record', collectDemo(now), people), {
  now: now.toISOString(),
});
const problems = [...checkBundle(bundle), ...medplumIssues(bundle).errors];
if (problems.length > 0) {
  process.stderr.write(`The demo export does not validate:\n${problems.join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`${JSON.stringify(bundle, null, 2)}\n`);
