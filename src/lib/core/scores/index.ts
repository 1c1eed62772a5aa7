export * from './nrs';
export * from './startback';
export * from './oswestry';
export * from './ndi';
export * from './psfs';
export * from './orebro';
