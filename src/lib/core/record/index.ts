export * from './entries';
export { validateRecordUpdate } from './validate';
export { migrate, MIGRATIONS } from './migrate';
export * from './types';
export * from './clinical';
export * from './registry';
