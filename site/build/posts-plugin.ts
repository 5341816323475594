/**
 * Vite plugin: every `posts/*.md` becomes a page, in dev and in the build.
 *
 * - `site/posts/<slug>/index.html` and `site/posts/index.html` are written as one-line shells
 *   (git-ignored) so that Vite sees real HTML entries; `site/index.html` is a tracked shell naming
 *   the post shown at `/`. A shell is a comment, `<!-- la:post slug -->` or `<!-- la:posts -->`,
 *   that `transformIndexHtml` replaces with the rendered page before Vite processes its scripts.
 * - Every `index.html` under the Vite root is a build input, found by walking the tree.
 * - In dev, editing a post, the bibliography, the macros or a kernel re-renders and reloads.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Plugin, ViteDevServer } from 'vite';
import { renderArticlePage, renderIndexPage } from './page.ts';
import { parseFrontMatter, renderPost, type PostMeta, type RenderedPost } from './render-post.ts';

/** Where the plugin reads from and writes to. */
export interface PostsPluginOptions {
  /** The Vite root (`site/`). */
  root: string;
  /** Directory of `*.md` posts. */
  postsDir: string;
  /** Directory of `.wgsl` kernels. */
  kernelsDir: string;
}

const SHELL = /^\s*(?:<!doctype html>\s*)?<!--\s*la:(posts|post)(?:\s+([\w-]+))?\s*-->\s*$/i;

/** Lists the posts (file names without `.md`), in name order. */
function listPosts(postsDir: string): string[] {
  return readdirSync(postsDir)
    .filter((f) => f.endsWith('.md') && !f.startsWith('_'))
    .sort()
    .map((f) => f.slice(0, -3));
}

/** Every `index.html` under `dir`, skipping dot-folders, `public` and `node_modules`. */
export function findHtmlEntries(root: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.') || name === 'node_modules' || name === 'public') continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name === 'index.html') {
        const key = relative(root, dir).split(sep).join('/') || 'index';
        entries[key === 'index' ? key : `${key}/index`] = path;
      }
    }
  };
  walk(root);
  return entries;
}

const writeIfChanged = (file: string, text: string) => {
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
};

/** Builds the article pages and the list of posts from Markdown. */
export function postsPlugin(options: PostsPluginOptions): Plugin {
  const { root, postsDir, kernelsDir } = options;
  const macrosFile = resolve(postsDir, 'macros.tex');
  // The measured numbers posts quote ({{...}} tokens, data-tokens.ts) come from here.
  const dataDir = resolve(postsDir, '..', 'data');
  const cache = new Map<string, Promise<RenderedPost>>();

  const writeShells = () => {
    for (const slug of listPosts(postsDir)) {
      writeIfChanged(join(root, 'posts', slug, 'index.html'), `<!-- la:post ${slug} -->\n`);
    }
    writeIfChanged(join(root, 'posts', 'index.html'), `<!-- la:posts -->\n`);
  };

  const render = (slug: string): Promise<RenderedPost> => {
    let pending = cache.get(slug);
    if (!pending) {
      const file = join(postsDir, `${slug}.md`);
      if (!existsSync(file)) throw new Error(`no post "${slug}" (looked for ${file})`);
      pending = renderPost(readFileSync(file, 'utf8'), {
        file,
        kernelsDir,
        macrosFile: existsSync(macrosFile) ? macrosFile : null,
        dataDir,
      });
      cache.set(slug, pending);
      pending.catch(() => cache.delete(slug));
    }
    return pending;
  };

  const reload = (server: ViteDevServer, file: string) => {
    if (![postsDir, kernelsDir, dataDir].some((dir) => file.startsWith(dir))) return;
    cache.clear();
    writeShells();
    server.ws.send({ type: 'full-reload' });
  };

  return {
    name: 'la-posts',
    config() {
      writeShells();
      return { build: { rollupOptions: { input: findHtmlEntries(root) } } };
    },
    buildStart() {
      for (const slug of listPosts(postsDir)) this.addWatchFile(join(postsDir, `${slug}.md`));
    },
    configureServer(server) {
      server.watcher.add([postsDir, kernelsDir, dataDir]);
      server.watcher.on('change', (file) => reload(server, file));
      server.watcher.on('add', (file) => reload(server, file));
      server.watcher.on('unlink', (file) => reload(server, file));
    },
    transformIndexHtml: {
      order: 'pre',
      async handler(html, ctx) {
        const match = SHELL.exec(html);
        if (!match) return html;
        const depth = relative(root, dirname(ctx.filename)).split(sep).filter(Boolean).length;
        const prefix = '../'.repeat(depth);
        if (match[1]!.toLowerCase() === 'posts') {
          const metas: PostMeta[] = listPosts(postsDir).map((slug) => {
            const file = join(postsDir, `${slug}.md`);
            return parseFrontMatter(readFileSync(file, 'utf8'), file).meta;
          });
          return renderIndexPage(metas, prefix);
        }
        return renderArticlePage(await render(match[2]!), prefix);
      },
    },
  };
}
