export { FlatBidDialect } from './flatbid-dialect.js';
export { MinCpm } from './min-cpm.js';
