// The GPU widgets' test page: the design tokens, the elements, and a theme toggle.
import '../styles/base.css';
import '../../src/widgets/register.ts';

const root = document.documentElement;
const params = new URLSearchParams(location.search);
const theme = params.get('theme');
if (theme === 'dark' || theme === 'light') root.dataset.theme = theme;
document.querySelector('#theme')?.addEventListener('click', () => {
  root.dataset.theme = root.dataset.theme === 'dark' ? 'light' : 'dark';
});
document.body.dataset.ready = 'true';
