// Size budget entry: the insights entry on its own (reads, stores, and the query store and signals-core they
// share with the core), as an app that already has the client pays for it on top.
export * from '../dist/insights.js';
