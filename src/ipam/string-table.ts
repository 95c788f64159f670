/**
 * Small numbers for the few strings that many pods share (network names, interface names,
 * namespaces), so that a slot row can hold a 16-bit id instead of a heap pointer. Bounded: a node
 * sees a handful of each, and an id table that grew with arbitrary input would be a leak. Ids
 * start at 1; 0 means "not in the table" and the caller keeps such a string elsewhere.
 */
export const NO_STRING_ID = 0;

export class StringTable {
  private readonly ids = new Map<string, number>();
  /** texts[id]; index 0 unused. */
  private readonly texts: string[] = [''];

  constructor(private readonly capacity = 4096) {
    if (capacity > 0xffff) throw new RangeError('StringTable: ids must fit 16 bits');
  }

  /** The string's id, adding it while there is room; NO_STRING_ID when the table is full. */
  idOf(text: string): number {
    const known = this.ids.get(text);
    if (known !== undefined) return known;
    if (this.texts.length > this.capacity) return NO_STRING_ID;
    const id = this.texts.length;
    this.texts.push(text);
    this.ids.set(text, id);
    return id;
  }

  /** The string with this id (an id this table returned). */
  text(id: number): string {
    return this.texts[id]!;
  }

  get size(): number {
    return this.texts.length - 1;
  }
}
