/**
 * The host page's colour theme, for widgets whose `theme` is `auto`: a `data-theme="dark"` or
 * `"light"` on the host's root element wins; otherwise the reader's `prefers-color-scheme`.
 * One observer for the whole page, started by the first widget.
 */
let rootTheme = $state<'light' | 'dark' | null>(null);
let systemDark = $state(false);
let started = false;

function readRootTheme(): 'light' | 'dark' | null {
  const value = document.documentElement.dataset.theme;
  return value === 'dark' || value === 'light' ? value : null;
}

function start(): void {
  if (started || typeof document === 'undefined') return;
  started = true;
  rootTheme = readRootTheme();
  new MutationObserver(() => (rootTheme = readRootTheme())).observe(document.documentElement, {
    attributes: true,
    attributeFilter: ['data-theme'],
  });
  const query = matchMedia('(prefers-color-scheme: dark)');
  systemDark = query.matches;
  query.addEventListener('change', (event) => (systemDark = event.matches));
}

/** The theme a widget shows for its `theme` attribute ('light', 'dark' or 'auto'). Reactive. */
export function resolveTheme(theme: string): 'light' | 'dark' {
  if (theme === 'light' || theme === 'dark') return theme;
  start();
  return rootTheme ?? (systemDark ? 'dark' : 'light');
}
