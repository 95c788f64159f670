/**
 * Freezes a value and everything reachable from it, so no module can change configuration that
 * every other module shares. Already-frozen objects are still descended into: a shallowly frozen
 * record (Object.freeze on a literal) may hold mutable children.
 */
export function deepFreeze<T>(value: T): T {
  freeze(value, new WeakSet());
  return value;
}

function freeze(value: unknown, seen: WeakSet<object>): void {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return;
  if (seen.has(value)) return;
  seen.add(value);
  Object.freeze(value);
  for (const key of Reflect.ownKeys(value)) {
    freeze((value as Record<PropertyKey, unknown>)[key], seen);
  }
}
