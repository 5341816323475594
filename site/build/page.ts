/**
 * Page templates: the article page (title block, table of contents, body, appendix) and the list of
 * posts. Links between pages are relative (`prefix` climbs back to the site root), so the built site
 * works under any base path; script and style URLs are root-absolute, which Vite rewrites.
 */
import type { PostMeta, RenderedPost, TocEntry } from './render-post.ts';

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Sets the theme before first paint, from the saved choice or the system preference. */
const THEME_SCRIPT = `<script>try{var t=localStorage.getItem('la-theme');if(t==='light'||t==='dark')document.documentElement.dataset.theme=t;}catch(e){}</script>`;

const formatDate = (iso: string) => {
  const date = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleDateString('en-GB', {
        day: 'numeric',
        month: 'long',
        year: 'numeric',
        timeZone: 'UTC',
      });
};

function head(title: string, description: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="description" content="${escapeHtml(description)}" />
    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
    <title>${escapeHtml(title)}</title>
    ${THEME_SCRIPT}
  </head>`;
}

function siteHeader(prefix: string): string {
  return `<a class="skip-link" href="#content">Skip to content</a>
    <header class="site-header">
      <a class="site-name" href="${prefix || './'}">Linear attention, live</a>
      <nav class="site-nav" aria-label="Site">
        <a href="${prefix}posts/">Posts</a>
        <a href="${prefix}widgets/">Widgets</a>
        <button type="button" class="theme-toggle" aria-pressed="false" aria-label="Dark theme">
          <span aria-hidden="true" class="theme-icon"></span><span class="theme-label">Theme</span>
        </button>
      </nav>
    </header>`;
}

const siteFooter = `<footer class="site-footer">
      <p>Linear attention, live. Measurements run in your browser; nothing is sent anywhere.</p>
    </footer>`;

function tocHtml(toc: TocEntry[]): string {
  const items: string[] = [];
  let open = false;
  for (const entry of toc) {
    const label = `${entry.number ? `<span class="toc-number">${entry.number}</span> ` : ''}${escapeHtml(entry.text)}`;
    const link = `<a href="#${escapeHtml(entry.id)}" data-toc-target="${escapeHtml(entry.id)}">${label}</a>`;
    if (entry.depth === 2) {
      if (open) items.push('</ol></li>');
      items.push(`<li>${link}<ol>`);
      open = true;
    } else if (open) {
      items.push(`<li>${link}</li>`);
    } else {
      items.push(`<li>${link}</li>`);
    }
  }
  if (open) items.push('</ol></li>');
  return items.join('').replace(/<ol><\/ol>/g, '');
}

/** The whole HTML document for one post. `prefix` is the relative path to the site root. */
export function renderArticlePage(post: RenderedPost, prefix: string): string {
  const { meta } = post;
  const authors = meta.authors
    .map((a) => {
      const name = a.url
        ? `<a href="${escapeHtml(a.url)}">${escapeHtml(a.name)}</a>`
        : escapeHtml(a.name);
      return `<li>${name}${a.affiliation ? ` <span class="affiliation">${escapeHtml(a.affiliation)}</span>` : ''}</li>`;
    })
    .join('');
  return `${head(`${meta.title} · Linear attention, live`, meta.description)}
  <body class="article-page">
    ${siteHeader(prefix)}
    <div class="layout">
      <nav class="toc" aria-labelledby="toc-title">
        <details class="toc-details" open>
          <summary id="toc-title">Contents</summary>
          <ol class="toc-list">${tocHtml(post.toc)}</ol>
        </details>
      </nav>
      <main id="content" tabindex="-1">
        <article class="post" data-slug="${escapeHtml(meta.slug)}">
          <header class="title-block">
            <h1 class="title">${escapeHtml(meta.title)}</h1>
            ${meta.subtitle ? `<p class="subtitle">${escapeHtml(meta.subtitle)}</p>` : ''}
            <dl class="post-meta">
              <div><dt>${meta.authors.length > 1 ? 'Authors' : 'Author'}</dt><dd><ul class="authors">${authors}</ul></dd></div>
              <div><dt>Published</dt><dd><time datetime="${escapeHtml(meta.date)}">${formatDate(meta.date)}</time></dd></div>
              <div><dt>Reading time</dt><dd>${post.readingMinutes} min</dd></div>
            </dl>
            <div id="gpu-panel" class="gpu-panel-slot"></div>
          </header>
          <div class="post-body">
${post.html}
          </div>
        </article>
      </main>
    </div>
    ${siteFooter}
    <script type="module" src="/main.ts"></script>
  </body>
</html>
`;
}

/** The list of posts, newest first. */
export function renderIndexPage(posts: PostMeta[], prefix: string): string {
  const items = [...posts]
    .sort((a, b) => b.date.localeCompare(a.date))
    .map(
      (p) => `<li class="post-card">
          <h2><a href="${prefix}posts/${escapeHtml(p.slug)}/">${escapeHtml(p.title)}</a></h2>
          <p class="post-card-meta"><time datetime="${escapeHtml(p.date)}">${formatDate(p.date)}</time> · ${escapeHtml(p.authors.map((a) => a.name).join(', '))}</p>
          <p>${escapeHtml(p.description)}</p>
        </li>`,
    )
    .join('\n');
  return `${head('Posts · Linear attention, live', 'Every post of Linear attention, live.')}
  <body class="listing-page">
    ${siteHeader(prefix)}
    <main id="content" tabindex="-1" class="listing">
      <h1>Posts</h1>
      <ul class="post-list">
        ${items}
      </ul>
    </main>
    ${siteFooter}
    <script type="module" src="/listing.ts"></script>
  </body>
</html>
`;
}
