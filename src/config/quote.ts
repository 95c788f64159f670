/**
 * How a value appears in warnings and problems: JSON-quoted, so an empty string, stray spaces
 * or a newline in a manifest are visible in the log line.
 */
export function quote(value: string): string {
  return JSON.stringify(value);
}
