/**
 * Scroll spy for the table of contents: the entry of the section being read gets
 * `aria-current="location"`. The current section is the last heading above a line a third of the way
 * down the viewport. On narrow screens the contents start collapsed.
 */
export function enableTocSpy(): void {
  const links = [...document.querySelectorAll<HTMLAnchorElement>('.toc a[data-toc-target]')];
  const details = document.querySelector<HTMLDetailsElement>('.toc-details');
  const narrow = window.matchMedia('(max-width: 1199px)');
  const syncOpen = () => {
    if (details) details.open = !narrow.matches;
  };
  syncOpen();
  narrow.addEventListener('change', syncOpen);
  if (details) {
    // On narrow screens, following a link closes the drawer again.
    details.addEventListener('click', (event) => {
      if (narrow.matches && (event.target as Element).closest('a')) details.open = false;
    });
  }

  const headings = links
    .map((link) => document.getElementById(link.dataset.tocTarget ?? ''))
    .filter((h): h is HTMLElement => h !== null);
  if (headings.length === 0) return;

  let active: HTMLAnchorElement | null = null;
  const update = () => {
    const line = window.innerHeight / 3;
    let index = 0;
    for (let i = 0; i < headings.length; i++) {
      if (headings[i]!.getBoundingClientRect().top <= line) index = i;
      else break;
    }
    const atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 2;
    if (atBottom) index = headings.length - 1;
    const link = links.find((l) => l.dataset.tocTarget === headings[index]!.id) ?? null;
    if (link === active) return;
    active?.removeAttribute('aria-current');
    link?.setAttribute('aria-current', 'location');
    active = link;
  };
  let queued = false;
  window.addEventListener(
    'scroll',
    () => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        update();
      });
    },
    { passive: true },
  );
  window.addEventListener('resize', update);
  update();
}
