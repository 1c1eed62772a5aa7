import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import type { Bundle, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Test support (Node only): Medplum's offline validator fed with the trimmed R4 definitions that
 * `scripts/fhir-definitions.mjs` writes. The script runs first, so a fresh clone needs no step of
 * its own (it does nothing when its output is up to date).
 */

const root = fileURLToPath(new URL('../../../../', import.meta.url));
let indexed = false;

export function loadDefinitions(): void {
  if (indexed) return;
  const run = spawnSync(process.execPath, ['scripts/fhir-definitions.mjs'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`scripts/fhir-definitions.mjs failed: ${run.stderr}`);
  const path = `${root}src/lib/core/fhir/generated/r4-definitions.json`;
  indexStructureDefinitionBundle(JSON.parse(readFileSync(path, 'utf8')) as Bundle);
  indexed = true;
}

/** Medplum's verdict: the errors it throws as issue strings (empty when valid), and warnings. */
export function medplumIssues(resource: Bundle): { errors: string[]; warnings: string[] } {
  loadDefinitions();
  const line = (i: OperationOutcomeIssue) =>
    `${i.severity} ${i.expression?.join(',') ?? ''}: ${i.details?.text ?? ''}`;
  try {
    const warnings = validateResource(resource).map(line);
    return { errors: [], warnings };
  } catch (e) {
    const outcome = (e as { outcome?: { issue?: OperationOutcomeIssue[] } }).outcome;
    if (!outcome?.issue) throw e;
    return {
      errors: outcome.issue
        .filter((i) => i.severity === 'error' || i.severity === 'fatal')
        .map(line),
      warnings: outcome.issue.filter((i) => i.severity === 'warning').map(line),
    };
  }
}
