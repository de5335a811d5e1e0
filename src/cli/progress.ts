/**
 * Progress for long operations, on stderr: a self-updating line on a terminal, a line every
 * few seconds otherwise (CI logs), and the rate at the end.
 */
export function progressReporter(label: string) {
  const started = performance.now();
  const tty = process.stderr.isTTY;
  let lastPrint = 0;
  const rate = (n: number) => Math.round(n / Math.max((performance.now() - started) / 1000, 1e-3));
  return {
    update(done: number, total: number): void {
      const now = performance.now();
      if (now - lastPrint < (tty ? 200 : 5000)) return;
      lastPrint = now;
      const of = total > 0 ? ` / ${total.toLocaleString('en')} (${Math.floor((done / total) * 100)}%)` : '';
      const text = `${label}: ${done.toLocaleString('en')}${of}, ${rate(done).toLocaleString('en')}/s`;
      process.stderr.write(tty ? `\r${text}\x1b[K` : `${text}\n`);
    },
    finish(events: number): string {
      const seconds = (performance.now() - started) / 1000;
      if (tty) process.stderr.write('\r\x1b[K');
      const summary = `${label}: ${events.toLocaleString('en')} events in ${seconds.toFixed(2)} s (${rate(events).toLocaleString('en')} events/s)`;
      process.stderr.write(`${summary}\n`);
      return summary;
    },
  };
}
