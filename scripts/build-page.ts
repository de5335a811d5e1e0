import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { PAGE_DIR } from '../src/http/page/assets.js';
import { PROJECT_ROOT } from '../src/paths.js';

/**
 * Builds the read-only page (web/) into a folder the service serves from memory:
 *   index.html            the page, naming its assets by content hash
 *   assets/<name>-<hash>  the bundled script (web/main.ts with chart.js), the style sheet, the icon
 * The output is generated, never committed: `npm run build` (and so `npm start`) and `npm run
 * dev` make it, and the page's tests build their own copy. A content hash in every asset name
 * lets the service mark assets immutable; only index.html is revalidated.
 */
const WEB = join(PROJECT_ROOT, 'web');

export interface PageBuild {
  dir: string;
  /** Asset file names, as index.html links them. */
  assets: string[];
}

const hashOf = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex').slice(0, 12).toUpperCase();

export async function buildPage(dir: string = PAGE_DIR): Promise<PageBuild> {
  const result = await build({
    entryPoints: { page: join(WEB, 'main.ts'), style: join(WEB, 'page.css') },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    entryNames: '[name]-[hash]',
    outdir: join(dir, 'assets'),
    // The licences of what is bundled (chart.js, @kurkle/color) travel with it, at the end.
    legalComments: 'eof',
    write: false,
    logLevel: 'silent',
    tsconfig: join(WEB, 'tsconfig.json'),
  });
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'assets'), { recursive: true });
  const assets: string[] = [];
  for (const file of result.outputFiles) {
    writeFileSync(file.path, file.contents);
    assets.push(basename(file.path));
  }
  const icon = readFileSync(join(WEB, 'icon.svg'));
  const iconName = `icon-${hashOf(icon)}.svg`;
  writeFileSync(join(dir, 'assets', iconName), icon);
  assets.push(iconName);

  const named = (prefix: string, ext: string) => {
    const name = assets.find((a) => a.startsWith(`${prefix}-`) && a.endsWith(ext));
    if (!name) throw new Error(`the build made no ${prefix}*${ext}`);
    return `/assets/${name}`;
  };
  const html = readFileSync(join(WEB, 'index.html'), 'utf8')
    .replaceAll('{{script}}', named('page', '.js'))
    .replaceAll('{{style}}', named('style', '.css'))
    .replaceAll('{{icon}}', named('icon', '.svg'));
  if (html.includes('{{')) throw new Error('web/index.html names an asset the build does not make');
  writeFileSync(join(dir, 'index.html'), html);
  return { dir, assets };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const built = await buildPage(process.argv[2] ?? PAGE_DIR);
  console.log(`page built in ${relative(process.cwd(), built.dir) || '.'}: index.html, ${built.assets.join(', ')}`);
}
