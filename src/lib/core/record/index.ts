export * from './entries';
export { validateRecordUpdate } from './validate';
export { migrate, MIGRATIONS } from './migrate';
export * from './types';
export * from './clinical';
export * from './registry';
export * from './profile';
export * from './problems';
export * from './results';
export * from './devices';
export {
  foldMedicines,
  isCalendarDay,
  MEDICATION_ACTIONS,
  type MedicationAction,
  type MedicineCourse,
} from './medicines';
export * from './versions';
export * from './diary';
export * from './review';
export * from './plan';
export * from './plan-fold';
export * from './adherence';
export { moveToNewCompartment } from './move';
