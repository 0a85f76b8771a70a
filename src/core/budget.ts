/**
 * Bytes held at once by concurrent work (mails in hand, replies being
 * sent). A piece waits until its size fits; one bigger than the whole
 * budget waits until nothing else is held, then goes alone.
 */
export class ByteBudget {
  private used = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async take(bytes: number): Promise<() => void> {
    const n = Math.min(bytes, this.max);
    while (this.used > 0 && this.used + n > this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.used += n;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= n;
      for (const w of this.waiting.splice(0)) w();
    };
  }
}
