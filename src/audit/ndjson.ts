import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { RecordedLedgerEvent as RecordedEvent } from '../domain/reported-events.js';
import { ExportedEvent as ExportedEventView } from '../http/schemas/ledger.js';

/** An event of an export, with where it stands in the file. */
export interface NumberedEvent {
  /** 1-based line (or position) in the file being imported, for refusals. */
  line: number;
  event: RecordedEvent;
}

/** A line of an import that cannot be taken; the whole import is rolled back. */
export class ImportRefusal extends Error {
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(reason);
  }
}

// As recorded: an export of a ledger an earlier build wrote restores as it is (its hashes cover it).
const ExportedEvent = z.strictObject(ExportedEventView.shape);

/** Reads an export line by line (never the whole file in memory), refusing a line that is not an event. */
export async function* readExport(path: string): AsyncGenerator<NumberedEvent> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ImportRefusal(line, 'not valid JSON');
    }
    const parsed = ExportedEvent.safeParse(json);
    if (!parsed.success)
      throw new ImportRefusal(
        line,
        `not an exported event: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
      );
    yield { line, event: parsed.data as RecordedEvent };
  }
}
