// `npm run -s fhir:demo`: prints the demo record's IPS Bundle as JSON on stdout. For now the
// record is the FHIR fixture in src/lib/core/fhir/fixtures (the app's demo record comes later).
import { exportBundle } from '../src/lib/core/fhir/index';
import { DEMO_NOW, DEMO_RECORD } from '../src/lib/core/fhir/fixtures/demo-record';

process.stdout.write(`${JSON.stringify(exportBundle(DEMO_RECORD, { now: DEMO_NOW }), null, 2)}\n`);
