/**
 * The snippets of the course-author page, for a deployment at `origin` (e.g.
 * "https://widgets.example"). docs/EMBEDDING.md shows the same snippets for that example origin; a
 * unit test keeps the two in step.
 */

/** The headers a static host sends so that pages elsewhere may load the bundle, its chunks and fonts. */
export interface HostHeaders {
  host: string;
  /** Where the configuration goes. */
  where: string;
  language: string;
  code: string;
}

export const CORS_HEADER = 'Access-Control-Allow-Origin: *';

/** CORS configuration for common static hosts: everything under /embed/ and /assets/. */
export const CORS_EXAMPLES: readonly HostHeaders[] = [
  {
    host: 'Netlify and Cloudflare Pages',
    where: 'a _headers file at the root of the published folder',
    language: 'text',
    code: ['/embed/*', `  ${CORS_HEADER}`, '/assets/*', `  ${CORS_HEADER}`].join('\n'),
  },
  {
    host: 'Vercel',
    where: 'vercel.json at the project root',
    language: 'json',
    code: `{
  "headers": [
    {
      "source": "/(embed|assets)/(.*)",
      "headers": [{ "key": "Access-Control-Allow-Origin", "value": "*" }]
    }
  ]
}`,
  },
  {
    host: 'nginx',
    where: 'inside the server block',
    language: 'nginx',
    code: `location ~ ^/(embed|assets)/ {
    add_header Access-Control-Allow-Origin "*" always;
}`,
  },
  {
    host: 'Apache',
    where: 'the site configuration or an .htaccess file (mod_headers)',
    language: 'apache',
    code: `<IfModule mod_headers.c>
  <If "%{REQUEST_URI} =~ m#^/(embed|assets)/#">
    Header set Access-Control-Allow-Origin "*"
  </If>
</IfModule>`,
  },
];

/** The Content-Security-Policy a host page needs for the script tag. */
export function scriptPolicy(origin: string): string {
  return `Content-Security-Policy: script-src 'self' ${origin}; style-src 'self' ${origin}; font-src 'self' ${origin}`;
}

/** The Content-Security-Policy a host page needs for the iframe and frames.js. */
export function framePolicy(origin: string): string {
  return `Content-Security-Policy: frame-src ${origin}; script-src 'self' ${origin}`;
}

/** The sandbox that works whatever headers the widgets' host sends (tested, WebGPU included). */
export const FRAME_SANDBOX = 'allow-scripts allow-same-origin';

/** An iframe for one widget; `query` is its attributes as URL parameters, e.g. "tokens=8192". */
export function iframeSnippet(embedBase: string, tag: string, title: string, query = ''): string {
  return [
    '<iframe',
    `  src="${embedBase}${tag}.html${query ? `?${query}` : ''}"`,
    `  title="${title}"`,
    `  sandbox="${FRAME_SANDBOX}"`,
    '  loading="lazy"',
    '  width="100%"',
    '  height="640"',
    '></iframe>',
    `<script src="${embedBase}frames.js" defer></` + 'script>',
  ].join('\n');
}

/** The two imports of the npm package. */
export const NPM_SNIPPET = `import 'linear-attention-live/widgets'; // defines every <la-*> element, styles included
import { acquireGpu, runAttention, estimateCost } from 'linear-attention-live/gpu';`;

/** The attributes of a widget's example as URL parameters: '<la-race tokens="4096">' -> "tokens=4096". */
export function exampleQuery(example: string): string {
  const open = /^<la-[a-z-]+([^>]*)>/.exec(example.trim());
  if (!open) return '';
  const params = new URLSearchParams();
  for (const match of open[1]!.matchAll(/([a-z-]+)="([^"]*)"/g)) params.set(match[1]!, match[2]!);
  return params.toString();
}
