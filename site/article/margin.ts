/**
 * Keeps margin content from overlapping: asides and footnote margin notes are placed beside the
 * line they belong to, so two close together can collide. Walking them top to bottom, each one that
 * would overlap the previous is nudged down (a transform, so the text column does not move).
 */
export function enableMarginLayout(): void {
  const wide = window.matchMedia('(min-width: 760px)');
  const items = () =>
    [...document.querySelectorAll<HTMLElement>('.post-body > .aside, .post-body .sidenote')].map(
      (el) => (el.classList.contains('aside') ? el.querySelector<HTMLElement>('.aside-body') : el),
    );
  const layout = () => {
    const all = items().filter((el): el is HTMLElement => el !== null);
    for (const el of all) el.style.transform = '';
    if (!wide.matches) return;
    // Natural positions first (an aside sits at the top of the paragraph before it, a note at its
    // line), then resolve overlaps from the top down.
    const placed = all
      .map((el) => ({ el, box: el.getBoundingClientRect() }))
      .filter(({ box }) => box.height > 0)
      .sort((a, b) => a.box.top - b.box.top);
    let bottom = -Infinity;
    for (const { el, box } of placed) {
      const shift = Math.max(0, bottom + 12 - box.top);
      if (shift > 0) el.style.transform = `translateY(${shift}px)`;
      bottom = box.bottom + shift;
    }
  };
  let queued = 0;
  const schedule = () => {
    cancelAnimationFrame(queued);
    queued = requestAnimationFrame(layout);
  };
  window.addEventListener('resize', schedule);
  wide.addEventListener('change', schedule);
  void document.fonts?.ready.then(schedule);
  // Widgets grow after they mount; re-run when the body changes size.
  const body = document.querySelector('.post-body');
  if (body) new ResizeObserver(schedule).observe(body);
  schedule();
}
