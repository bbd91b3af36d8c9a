export * from './stats';
export * from './performance';
export * from './risk';
