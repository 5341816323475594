// The GPU widgets' test page: the design tokens, the elements, and a theme toggle.
import '../styles/base.css';
import '../../src/widgets/register.ts';
import { pageGpu } from '../../src/widgets/shared/page-gpu.svelte.ts';

const root = document.documentElement;
const params = new URLSearchParams(location.search);
const theme = params.get('theme');
if (theme === 'dark' || theme === 'light') root.dataset.theme = theme;
document.querySelector('#theme')?.addEventListener('click', () => {
  root.dataset.theme = root.dataset.theme === 'dark' ? 'light' : 'dark';
});
document.body.dataset.ready = 'true';

// Lets the browser tests lose the device on purpose (device.destroy()), as a driver reset would.
declare global {
  interface Window {
    laPageGpu?: typeof pageGpu;
  }
}
window.laPageGpu = pageGpu;
