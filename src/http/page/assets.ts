import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PROJECT_ROOT } from '../../paths.js';

/** Where `npm run build` puts the page (scripts/build-page.ts); generated, git-ignored. */
export const PAGE_DIR = join(PROJECT_ROOT, 'dist', 'page');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** One file of the page, held in memory with its gzip form (compressed once, at start). */
export interface PageFile {
  body: Buffer;
  gzipped: Buffer;
  contentType: string;
  etag: string;
}

export interface PageFiles {
  index: PageFile;
  /** By file name under /assets/: names carry a content hash, so each may be cached for good. */
  assets: ReadonlyMap<string, PageFile>;
}

function pageFile(path: string): PageFile {
  const body = readFileSync(path);
  return {
    body,
    gzipped: gzipSync(body, { level: 9 }),
    contentType: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}

/** The built page, or null when it has not been built (the service then says how to build it). */
export function loadPage(dir: string): PageFiles | null {
  if (!existsSync(join(dir, 'index.html'))) return null;
  const assetsDir = join(dir, 'assets');
  const names = existsSync(assetsDir) ? readdirSync(assetsDir).filter((n) => extname(n) in CONTENT_TYPES) : [];
  return {
    index: pageFile(join(dir, 'index.html')),
    assets: new Map(names.map((n) => [n, pageFile(join(assetsDir, n))])),
  };
}
