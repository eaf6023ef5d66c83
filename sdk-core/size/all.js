// Size budget entry: the whole core, stores and signals-core included.
export * from '../dist/index.js';
