import type { SeededRandom } from './random.ts';

/**
 * Resource IDs and MAC addresses in EC2's formats ('eni-' + 17 hex digits, '02:…' MACs), drawn
 * from the region's seeded random source and never repeated within one region.
 */
export class IdFactory {
  private readonly issued = new Set<string>();
  private readonly random: SeededRandom;

  constructor(random: SeededRandom) {
    this.random = random;
  }

  /** A fresh ID such as 'eni-0a1b2c3d4e5f60718' for the prefix 'eni'. */
  next(prefix: string): string {
    for (;;) {
      let hex = '0';
      for (let i = 0; i < 16; i++) hex += this.random.int(16).toString(16);
      const id = `${prefix}-${hex}`;
      if (!this.issued.has(id)) {
        this.issued.add(id);
        return id;
      }
    }
  }

  /** A locally administered unicast MAC, as EC2 gives VPC interfaces. */
  mac(): string {
    for (;;) {
      const octets = ['02'];
      for (let i = 0; i < 5; i++) octets.push(this.random.int(256).toString(16).padStart(2, '0'));
      const mac = octets.join(':');
      if (!this.issued.has(mac)) {
        this.issued.add(mac);
        return mac;
      }
    }
  }
}
