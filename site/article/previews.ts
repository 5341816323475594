/**
 * Hover and tap previews for citations, footnotes and cross-references: links with `data-preview="<id>"` show a copy of
 * that element's content in a small popup. With a mouse the popup follows hover and focus; on touch
 * screens (or narrow ones, where margin notes are hidden) the first tap opens it instead of jumping.
 */
export function enablePreviews(): void {
  const popup = document.createElement('div');
  popup.className = 'preview-popup';
  popup.setAttribute('role', 'tooltip');
  popup.id = 'preview-popup';
  popup.hidden = true;
  document.body.append(popup);

  let owner: HTMLElement | null = null;
  let hideTimer = 0;
  const tapMode = window.matchMedia('(hover: none), (max-width: 759px)');

  const show = (link: HTMLElement) => {
    const source = document.getElementById(link.dataset.preview ?? '');
    if (!source) return;
    window.clearTimeout(hideTimer);
    // Notes show their text, figures and tables their caption (never a second live widget),
    // equations themselves.
    const body =
      source.querySelector('.note-body') ??
      (source.tagName === 'FIGURE' ? source.querySelector('figcaption') : null) ??
      source;
    popup.innerHTML = body.innerHTML;
    popup.querySelectorAll('[id]').forEach((el) => el.removeAttribute('id'));
    popup.hidden = false;
    owner?.removeAttribute('aria-describedby');
    owner = link;
    link.setAttribute('aria-describedby', popup.id);
    const rect = link.getBoundingClientRect();
    const width = Math.min(360, window.innerWidth - 16);
    popup.style.width = `${width}px`;
    const left = Math.min(
      Math.max(8, rect.left + rect.width / 2 - width / 2),
      window.innerWidth - width - 8,
    );
    popup.style.left = `${left + window.scrollX}px`;
    const below = rect.bottom + 8;
    popup.style.top = `${below + window.scrollY}px`;
    const height = popup.getBoundingClientRect().height;
    if (below + height > window.innerHeight && rect.top - height - 8 > 0) {
      popup.style.top = `${rect.top - height - 8 + window.scrollY}px`;
    }
  };
  const hide = () => {
    popup.hidden = true;
    owner?.removeAttribute('aria-describedby');
    owner = null;
  };
  const hideSoon = () => {
    hideTimer = window.setTimeout(hide, 200);
  };

  for (const link of document.querySelectorAll<HTMLElement>('[data-preview]')) {
    link.addEventListener('mouseenter', () => !tapMode.matches && show(link));
    link.addEventListener('mouseleave', hideSoon);
    link.addEventListener('focus', () => show(link));
    link.addEventListener('blur', hideSoon);
    link.addEventListener('click', (event) => {
      if (!tapMode.matches) return;
      if (owner !== link) {
        event.preventDefault();
        show(link);
      }
    });
  }
  popup.addEventListener('mouseenter', () => window.clearTimeout(hideTimer));
  popup.addEventListener('mouseleave', hideSoon);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') hide();
  });
  document.addEventListener('click', (event) => {
    const target = event.target as Element;
    if (!popup.hidden && !popup.contains(target) && !target.closest('[data-preview]')) hide();
  });
}
