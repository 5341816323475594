/** The float64 CPU references (see reference/index.ts). */
export * from './reference/index.ts';
