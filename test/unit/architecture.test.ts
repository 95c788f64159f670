import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering rules of docs/architecture.md, checked on the sources: core is pure, the daemon knows no
 * transport, the wire module stands alone, the CNI plugin loads no daemon code, tools are not
 * the CLI.
 */

const REPO = join(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  const root = join(REPO, dir);
  const out: string[] = [];
  const walk = (path: string) => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.ts')) out.push(full);
    }
  };
  walk(root);
  return out;
}

/** Every module specifier a file imports (static, dynamic and re-exports). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [
    ...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms),
    ...text.matchAll(/import\(\s*'([^']+)'\s*\)/g),
  ];
  return found.map((m) => m[1]!);
}

/** Code without comments, for checks on what the code calls. */
function codeOf(file: string): string {
  return readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
}

/** Repository-relative paths of the files a file imports by relative path. */
function localImportsOf(file: string): string[] {
  return importsOf(file)
    .filter((m) => m.startsWith('.'))
    .map((m) => relative(REPO, resolve(dirname(file), m)));
}

function offenders(dir: string, bad: (file: string) => string | undefined): string[] {
  return sources(dir).flatMap((file) => {
    const why = bad(file);
    return why === undefined ? [] : [`${relative(REPO, file)}: ${why}`];
  });
}

describe('layering', () => {
  it('core (src/ipam, src/config) imports no node: module and never reads the clock itself', () => {
    for (const dir of ['src/ipam', 'src/config']) {
      expect(
        offenders(dir, (file) => {
          const nodeImport = importsOf(file).find((m) => m.startsWith('node:'));
          if (nodeImport) return `imports ${nodeImport}`;
          if (/\bDate\.now\(/.test(codeOf(file))) return 'calls Date.now()';
          return undefined;
        }),
      ).toEqual([]);
    }
  });

  it('core imports nothing outside core', () => {
    for (const dir of ['src/ipam', 'src/config']) {
      expect(
        offenders(dir, (file) => {
          const outside = localImportsOf(file).find(
            (path) => !path.startsWith('src/ipam/') && !path.startsWith('src/config/'),
          );
          return outside ? `imports ${outside}` : undefined;
        }),
      ).toEqual([]);
    }
  });

  it('the daemon knows no transport: no @grpc/grpc-js, no src/wire, src/rpc only to start it', () => {
    expect(
      offenders('src/daemon', (file) => {
        const grpc = importsOf(file).find((m) => m.startsWith('@grpc/'));
        if (grpc) return `imports ${grpc}`;
        const wire = localImportsOf(file).find((path) => path.startsWith('src/wire/'));
        if (wire) return `imports ${wire}`;
        // The composition that starts the servers is the one place that may reach src/rpc.
        const rpc = localImportsOf(file).find((path) => path.startsWith('src/rpc/'));
        if (rpc && !file.endsWith('run-daemon.ts')) return `imports ${rpc}`;
        return undefined;
      }),
    ).toEqual([]);
  });

  it('src/wire stands alone: the CNI plugin imports it without the daemon or a gRPC library', () => {
    expect(
      offenders('src/wire', (file) => {
        const outside = importsOf(file).find((m) => !m.startsWith('./'));
        return outside ? `imports ${outside}` : undefined;
      }),
    ).toEqual([]);
  });

  it('the CNI plugin takes from src/ only the wire contract, pure core and the version', () => {
    // Anything else would load the daemon's code (and its libraries) into every pod start.
    const allowed = (path: string) =>
      path.startsWith('cni-shim/') ||
      path.startsWith('src/wire/') ||
      path.startsWith('src/ipam/') ||
      path === 'src/version.ts';
    expect(
      offenders('cni-shim', (file) => {
        const packages = importsOf(file).filter(
          (m) => !m.startsWith('.') && !m.startsWith('node:'),
        );
        if (packages.length > 0) return `imports ${packages.join(', ')}`;
        const outside = localImportsOf(file).find((path) => !allowed(path));
        return outside ? `imports ${outside}` : undefined;
      }),
    ).toEqual([]);
  });

  it('tools (plan, demo) do not import the CLI', () => {
    expect(
      offenders('src/tools', (file) => {
        const cli = localImportsOf(file).find((path) => path.startsWith('src/cli/'));
        return cli ? `imports ${cli}` : undefined;
      }),
    ).toEqual([]);
  });
});
