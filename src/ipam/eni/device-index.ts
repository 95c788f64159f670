/** Device indexes EC2 accepts for an attachment. */
export const MAX_DEVICE_INDEX = 99;

/**
 * The lowest device index in 0..99 that no ENI uses on `networkCardIndex` (the reference asks
 * DescribeInstances before every attach), or undefined when all are taken.
 */
export function lowestFreeDeviceIndex(
  attachments: readonly { readonly deviceIndex: number; readonly networkCardIndex: number }[],
  networkCardIndex: number,
): number | undefined {
  const used = new Set(
    attachments.filter((a) => a.networkCardIndex === networkCardIndex).map((a) => a.deviceIndex),
  );
  for (let index = 0; index <= MAX_DEVICE_INDEX; index++) {
    if (!used.has(index)) return index;
  }
  return undefined;
}
