import { readFileSync } from 'node:fs';
import { importStagesEnvironment } from '../config.js';
import type { Column } from './stages/columns.js';
import { LedgerRefusal, httpLedger, partiesOf, type Ledger } from './stages/ledger-client.js';
import { OptionsError, parseOptions, type ImportOptions } from './stages/options.js';
import { planRows, type PlannedRow } from './stages/plan.js';
import { rowProgress, type RowProgress } from './stages/progress.js';
import { sendRows, type SendReport } from './stages/send-rows.js';
import { placeOf, readSheet, type RowError } from './stages/sheet.js';

/**
 * `npm run import-stages -- FILE.csv --url URL | --database FILE [--dry-run | --resume]`:
 * records the proposals, agreements, stages and completions of a spreadsheet export (columns
 * in the README, a template in docs/templates/stages.csv) through the ledger's API.
 *
 * All or nothing: the whole file is first run on a scratch ledger that stands where the real
 * one does (stages/scratch.ts), and only a file whose every row passes is then written, each
 * row with its Idempotency-Key (stages/row-keys.ts) so that a run cut short can be finished
 * with --resume.
 */
const OK = 0;
const REFUSED = 1;
const USAGE = 2;
const INTERRUPTED = 130;

const rowsOf = (n: number) => `${n.toLocaleString('en')} row${n === 1 ? '' : 's'}`;
const linesOf = (errors: readonly RowError[]) => new Set(errors.map((e) => e.line)).size;

function refused(
  what: string,
  errors: readonly RowError[] = [],
  header: ReadonlyMap<Column, number> = new Map(),
): number {
  console.error(`refused: ${what}`);
  for (const e of errors) console.error(`  ${placeOf(e, header)}: ${e.message}${e.type ? ` (${e.type})` : ''}`);
  return REFUSED;
}

async function main(): Promise<number> {
  let options: ImportOptions;
  try {
    options = parseOptions(process.argv.slice(2), importStagesEnvironment());
  } catch (e) {
    if (!(e instanceof OptionsError)) throw e;
    console.error(e.message);
    return USAGE;
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(options.file);
  } catch (e) {
    console.error(`cannot read ${options.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return USAGE;
  }
  const reading = readSheet(bytes);
  if (!reading.ok) return refused(`${options.file} is not a stages sheet; nothing was written`, reading.errors);
  const { sheet } = reading;
  const plan = planRows(sheet);
  if (!plan.ok) {
    return refused(`${options.file} lacks columns its rows need; nothing was written`, plan.errors, sheet.header);
  }
  if (options.resume && plan.errors.length) {
    return refused(
      `${rowsOf(linesOf(plan.errors))} of ${options.file} cannot be recorded; nothing was written`,
      plan.errors,
      sheet.header,
    );
  }

  // The service's own modules (Fastify, the store) take a while to load: only now that the
  // sheet has been read are they needed (and a --resume over HTTP needs none of them).
  const progress = rowProgress();
  let ledger: Ledger;
  if (options.target.kind === 'file') {
    const { ledgerFileRefusal } = await import('./existing-ledger.js');
    const { inProcessLedger } = await import('./stages/in-process-ledger.js');
    const why = ledgerFileRefusal(options.target.databaseUrl);
    if (why !== null) return refused(why);
    ledger = await inProcessLedger(options.target.databaseUrl);
  } else {
    ledger = httpLedger(options.target.url, options.target.key, (why, seconds) => progress.waiting(why, seconds));
  }
  try {
    return await importRows(options, ledger, plan, sheet.header, progress);
  } catch (e) {
    if (!(e instanceof LedgerRefusal)) throw e;
    return refused(e.message);
  } finally {
    await ledger.close();
  }
}

async function importRows(
  options: ImportOptions,
  ledger: Ledger,
  plan: { rows: PlannedRow[]; errors: RowError[] },
  header: ReadonlyMap<Column, number>,
  progress: RowProgress,
): Promise<number> {
  const { rows } = plan;
  if (options.resume) {
    // Part of the file may be in the ledger already, so it cannot be checked as a whole
    // beforehand: each row is checked by the ledger as it is sent, and the first refused one
    // stops the run.
    await partiesOf(ledger);
  } else {
    const { scratchLike } = await import('./stages/scratch.js');
    const scratch = await scratchLike(ledger, rows);
    let check: SendReport;
    try {
      progress.start('check', rows.length);
      check = await sendRows(scratch.ledger, rows, {
        idOf: scratch.idOf,
        idempotency: false,
        stopAtFirst: false,
        onRow: (d) => progress.update(d),
      });
      progress.end(rows.length);
    } finally {
      await scratch.ledger.close();
    }
    const errors = [...plan.errors, ...check.errors].sort((a, b) => a.line - b.line);
    if (errors.length) {
      // Only a row on an exchange already in the ledger can meet what an earlier run of the file wrote.
      const onLedger = new Set(rows.filter((r) => 'id' in r.exchange).map((r) => r.line));
      const hint = check.errors.some((e) => onLedger.has(e.line) && e.type === 'transition-not-allowed')
        ? ' (if an earlier run wrote part of this file, run it again with --resume)'
        : '';
      return refused(
        `${rowsOf(linesOf(errors))} of ${options.file} cannot be recorded; nothing was written${hint}`,
        errors,
        header,
      );
    }
    if (options.dryRun) {
      console.log(
        JSON.stringify(
          { file: options.file, ledger: ledger.name, rows: rows.length, dryRun: true, written: 0 },
          null,
          2,
        ),
      );
      return OK;
    }
  }

  // Ctrl-C finishes the row being written and stops; a second one stops at once. Either way
  // the Idempotency-Keys make a run with --resume write each row once.
  let interrupted = false;
  const onInterrupt = () => {
    if (interrupted) process.exit(INTERRUPTED);
    interrupted = true;
  };
  process.on('SIGINT', onInterrupt);
  progress.start('write', rows.length);
  const write = await sendRows(ledger, rows, {
    idempotency: true,
    stopAtFirst: true,
    onRow: (d) => progress.update(d),
    interrupted: () => interrupted,
  });
  progress.end(write.written + write.alreadyWritten);
  process.off('SIGINT', onInterrupt);
  const already = write.alreadyWritten ? `, ${rowsOf(write.alreadyWritten)} already in the ledger` : '';
  const sofar = `${rowsOf(write.written)} written now${already}`;
  const rest = 'run the file again with --resume to write the rest';
  if (write.interrupted) {
    console.error(`interrupted: ${sofar}; the first row not written is on line ${write.stoppedAt}; ${rest}`);
    return INTERRUPTED;
  }
  if (write.errors.length) {
    return refused(
      `the ledger refused line ${write.stoppedAt} (${sofar}); fix that row, or what it depends on, and ${rest}`,
      write.errors,
      header,
    );
  }
  console.log(
    JSON.stringify(
      {
        file: options.file,
        ledger: ledger.name,
        rows: rows.length,
        written: write.written,
        alreadyWritten: write.alreadyWritten,
      },
      null,
      2,
    ),
  );
  return OK;
}

process.exitCode = await main();
