/** The public face of the framework-free WebGPU engine (page, worker and Node alike). */
export * from './device.ts';
export { addVectors } from './vector-add.ts';
