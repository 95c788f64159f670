/**
 * A small `--name value` / `--name=value` / `--flag` parser for the CLI commands, typed by a spec.
 * Unknown flags and missing or non-numeric values are errors, so a typo never runs silently.
 */

type Kind = 'string' | 'number' | 'boolean';
type ValueOf<K extends Kind> = K extends 'string' ? string : K extends 'number' ? number : boolean;
export type Flags<S extends Record<string, Kind>> = { -readonly [N in keyof S]?: ValueOf<S[N]> };

export type ParseResult<S extends Record<string, Kind>> =
  | { ok: true; flags: Flags<S>; positional: string[] }
  | { ok: false; error: string };

export function parseFlags<S extends Record<string, Kind>>(
  args: readonly string[],
  spec: S,
): ParseResult<S> {
  const flags: Record<string, string | number | boolean> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (kind === undefined) return { ok: false, error: `unknown option --${name}` };
    if (kind === 'boolean') {
      if (eq >= 0) return { ok: false, error: `--${name} takes no value` };
      flags[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else value = args[++i];
    if (value === undefined) return { ok: false, error: `--${name} needs a value` };
    if (kind === 'number') {
      const number = Number(value);
      if (value.trim() === '' || !Number.isFinite(number)) {
        return { ok: false, error: `--${name} must be a number, got ${JSON.stringify(value)}` };
      }
      flags[name] = number;
    } else {
      flags[name] = value;
    }
  }
  return { ok: true, flags: flags as Flags<S>, positional };
}

/** What a subcommand's argument parser answers: its options, a request for help, or one error. */
export type ParsedArgs<Options> =
  | { ok: true; options: Options }
  | { ok: true; help: true }
  | { ok: false; error: string };
