// Exposes the framework-free engine to the page, for the Playwright tests and the console.
import * as engine from '../../src/gpu/index.ts';

declare global {
  interface Window {
    engine: typeof engine;
  }
}

window.engine = engine;
document.body.dataset.ready = 'true';
