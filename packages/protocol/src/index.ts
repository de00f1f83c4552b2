export * from './errors.ts';
export * from './items.ts';
