/**
 * The theme toggle: flips `data-theme` on <html> between light and dark and remembers the choice.
 * Before any choice the page follows the system preference (tokens.css); an inline script in the
 * page head applies a saved choice before first paint.
 */
export function enableThemeToggle(): void {
  const root = document.documentElement;
  const system = window.matchMedia('(prefers-color-scheme: dark)');
  const current = (): 'light' | 'dark' =>
    root.dataset.theme === 'dark' || root.dataset.theme === 'light'
      ? root.dataset.theme
      : system.matches
        ? 'dark'
        : 'light';
  for (const button of document.querySelectorAll<HTMLButtonElement>('.theme-toggle')) {
    const sync = () => button.setAttribute('aria-pressed', String(current() === 'dark'));
    sync();
    system.addEventListener('change', sync);
    button.addEventListener('click', () => {
      const next = current() === 'dark' ? 'light' : 'dark';
      root.dataset.theme = next;
      try {
        localStorage.setItem('la-theme', next);
      } catch {
        // Storage can be off (private mode); the choice then lasts for this page only.
      }
      sync();
    });
  }
}
