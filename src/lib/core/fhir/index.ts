export { exportBundle, type ExportOptions, type ExportScope } from './export';
export {
  importBundle,
  FhirImportError,
  MAX_IMPORT_CHARS,
  MAX_IMPORT_ENTRIES,
  type FhirImportProblem,
  type ImportedEntry,
  type ImportOptions,
  type ImportResult,
  type ImportSource,
  type Skipped,
  type SkipCode,
  type AppSkipCode,
  SKIP_REASONS,
} from './import';
export { checkBundle } from './check';
export { isIcd10Code, isLoincCode, isSnomedConceptId } from './codecheck';
export { FHIR_MAPPERS, mapperFor } from './mappers';
export type { EntryMapper, MapContext, Mapped, SectionKey } from './context';
export * from './input';
export { SYSTEM, LOINC_CODES, KNOWN_CONDITIONS, BODY_SITE } from './codes';
