import cliProgress from 'cli-progress';

/** Progress of one pass over the rows (the check, then the write), on stderr. */
export interface RowProgress {
  start(phase: string, total: number): void;
  update(done: number): void;
  /** A pause the service asked for (rate limit) or a retry, shown beside the count. */
  waiting(why: string, seconds: number): void;
  /** Ends the pass; returns its summary line, e.g. `write: 10,000 rows in 8.12 s (1,231 rows/s)`. */
  end(done: number): string;
}

const PLAIN_EVERY_MS = 2000;
const n = (x: number) => x.toLocaleString('en');
const percent = (done: number, total: number) => Math.floor((done / Math.max(total, 1)) * 100);

/**
 * On a terminal, a bar with the rate in rows per second and the time left (cli-progress);
 * otherwise (a pipe, a CI log) a plain line every two seconds and one at the end of each pass.
 */
export function rowProgress(stream: NodeJS.WriteStream = process.stderr): RowProgress {
  const tty = stream.isTTY === true;
  let phase = '';
  let total = 0;
  let started = 0;
  let lastLine = 0;
  let bar: cliProgress.SingleBar | null = null;
  const rate = (done: number) => Math.round(done / Math.max((performance.now() - started) / 1000, 1e-3));
  return {
    start(name, rows) {
      phase = name;
      total = rows;
      started = performance.now();
      lastLine = started;
      if (tty) {
        bar = new cliProgress.SingleBar(
          {
            stream,
            hideCursor: true,
            clearOnComplete: true,
            fps: 10,
            barsize: 30,
            format:
              `${name.padEnd(5)} {bar} {percentage}% | {value}/{total} rows | {speed} rows/s | {eta_formatted} left` +
              '{wait}',
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(rows, 0, { speed: '0', wait: '' });
      }
    },
    update(done) {
      if (bar) {
        bar.update(done, { speed: n(rate(done)), wait: '' });
        return;
      }
      const now = performance.now();
      if (now - lastLine < PLAIN_EVERY_MS) return;
      lastLine = now;
      stream.write(`${phase}: ${n(done)} / ${n(total)} rows (${percent(done, total)}%), ${n(rate(done))} rows/s\n`);
    },
    waiting(why, seconds) {
      if (bar) bar.update({ wait: ` | waiting ${seconds} s: ${why}` });
      else stream.write(`${phase}: waiting ${seconds} s: ${why}\n`);
    },
    end(done) {
      bar?.stop();
      bar = null;
      const seconds = (performance.now() - started) / 1000;
      const summary = `${phase}: ${n(done)} rows in ${seconds.toFixed(2)} s (${n(rate(done))} rows/s)`;
      stream.write(`${summary}\n`);
      return summary;
    },
  };
}
