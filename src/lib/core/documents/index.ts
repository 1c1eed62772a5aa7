export * from './media';
export * from './stream';
export * from './entry';
export * from './list';
