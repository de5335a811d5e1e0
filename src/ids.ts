import { randomFillSync } from 'node:crypto';
import { V7Generator } from 'uuidv7';

/**
 * The library's own random source refills 8 words at a time, which costs a call into the
 * CSPRNG for every two ids, on every write (a write makes two). The same CSPRNG, drawn 4 KiB
 * at a time; ids are not secrets, only unique and time-ordered.
 */
class PooledCryptoRandom {
  private readonly buffer = new Uint32Array(1024);
  private cursor = this.buffer.length;

  nextUint32(): number {
    if (this.cursor === this.buffer.length) {
      randomFillSync(this.buffer);
      this.cursor = 0;
    }
    return this.buffer[this.cursor++]!;
  }
}

const generator = new V7Generator(new PooledCryptoRandom());

/** A new UUIDv7 (RFC 9562): exchange, stage, event and key ids. */
export const uuidv7 = (): string => generator.generate().toString();
