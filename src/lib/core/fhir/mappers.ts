import { MEDICATION, MOTION_TEST, PSFS, QUESTIONNAIRE } from '../record/clinical';
import { PAIN_CHECKIN } from '../record/types';
import type { EntryMapper } from './context';
import { ALLERGY, CARE_PLAN, CONDITION, DOCUMENT, GOAL, OBSERVATION, WORK_STATUS } from './input';
import {
  allergyMapper,
  carePlanMapper,
  conditionMapper,
  documentMapper,
  goalMapper,
  medicationMapper,
  observationMapper,
  workStatusMapper,
} from './map-care';
import { motionMapper, painMapper, psfsMapper, questionnaireMapper } from './map-scores';
import { goniometryMapper, neuroScreenMapper, treatmentMapper } from './map-clinic';
import { GONIOMETRY, NEURO_SCREEN, TREATMENT_SESSION } from '../record/clinic-entries';

/**
 * FHIR mappers keyed by entry type string, so the record's entry-type registry can point each
 * type at its mapper. Types without a mapper (notes, messages, care events, red flags, the
 * sharing audit trail) are not part of a patient summary and are left out of the export.
 */
export const FHIR_MAPPERS: Readonly<Record<string, EntryMapper>> = {
  [PAIN_CHECKIN]: painMapper,
  [QUESTIONNAIRE]: questionnaireMapper,
  [MOTION_TEST]: motionMapper,
  [PSFS]: psfsMapper,
  [MEDICATION]: medicationMapper,
  [CONDITION]: conditionMapper,
  [ALLERGY]: allergyMapper,
  [GOAL]: goalMapper,
  [CARE_PLAN]: carePlanMapper,
  [DOCUMENT]: documentMapper,
  [WORK_STATUS]: workStatusMapper,
  [OBSERVATION]: observationMapper,
  [GONIOMETRY]: goniometryMapper,
  [NEURO_SCREEN]: neuroScreenMapper,
  [TREATMENT_SESSION]: treatmentMapper,
};

export function mapperFor(type: string): EntryMapper | undefined {
  return Object.hasOwn(FHIR_MAPPERS, type) ? FHIR_MAPPERS[type] : undefined;
}
