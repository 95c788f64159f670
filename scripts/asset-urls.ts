import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import type { Plugin } from 'esbuild';

/**
 * An esbuild plugin for the one way our sources reach files at run time:
 * `new URL('<relative path>', import.meta.url)` (the proto files, the instance-type table, the
 * launcher the demo spawns). In the bundle the code runs from dist/<name>/, so each such path is
 * rewritten to point from there to the same file in the repository; the file itself stays where
 * it is (a production install keeps the repository's files beside dist/). Any other use of
 * `import.meta` in a source fails the build, because its meaning would silently change.
 */

const URL_OF_FILE = /new URL\(\s*(['"])([^'"\n]+)\1\s*,\s*import\.meta\.url\s*\)/g;

export function assetUrlsPlugin(options: { repo: string; outdir: string }): Plugin {
  return {
    name: 'asset-urls',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.split(sep).includes('node_modules')) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta')) return { contents: source, loader: 'ts' };
        const where = relative(options.repo, args.path);
        const errors: string[] = [];
        const contents = source.replace(URL_OF_FILE, (_whole, quote: string, path: string) => {
          if (!path.startsWith('./') && !path.startsWith('../')) {
            errors.push(`${where}: new URL('${path}', import.meta.url) is not a relative path`);
            return _whole;
          }
          const target = resolve(dirname(args.path), path);
          if (!existsSync(target)) {
            errors.push(`${where}: new URL('${path}', import.meta.url) names a missing file`);
            return _whole;
          }
          let rebased = relative(options.outdir, target).split(sep).join('/');
          if (!rebased.startsWith('../')) rebased = `./${rebased}`;
          if (path.endsWith('/')) rebased += '/';
          return `new URL(${quote}${rebased}${quote}, import.meta.url)`;
        });
        if (contents.replace(URL_OF_FILE, '').includes('import.meta')) {
          errors.push(
            `${where}: uses import.meta other than new URL('<relative path>', import.meta.url), which the bundle cannot keep`,
          );
        }
        if (errors.length > 0) return { errors: errors.map((text) => ({ text })) };
        return { contents, loader: 'ts' };
      });
    },
  };
}
