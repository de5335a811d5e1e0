import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { ImportStagesEnvironment } from '../../config.js';

export const USAGE = `usage: npm run import-stages -- FILE.csv [--url URL | --database FILE] [--dry-run | --resume]

  --url URL        a running service (or LEDGER_URL); its API key in LEDGER_KEY, or --key
  --database FILE  a ledger file, written through the service's own app in this process
                   (or DATABASE_URL, file:PATH)
  --dry-run        check every row against the ledger's rules; write nothing
  --resume         the file was partly imported before: skip the rows already written
                   (each row carries an Idempotency-Key) and write the rest`;

/** The target's way in, as the service takes it: a Bearer token (RFC 6750 b64token). */
const KEY = /^[A-Za-z0-9\-._~+/]+=*$/;

const OptionsSchema = z
  .object({
    file: z.string().min(1),
    target: z.discriminatedUnion('kind', [
      z.object({
        kind: z.literal('service'),
        url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:3000' }),
        key: z.string().regex(KEY, 'must be an API key as the service issued it').nullable(),
      }),
      z.object({
        kind: z.literal('file'),
        databaseUrl: z
          .string()
          .min(1)
          .transform((d) => (d.startsWith('file:') ? d : `file:${d}`)),
      }),
    ]),
    dryRun: z.boolean(),
    resume: z.boolean(),
  })
  .refine((o) => !(o.dryRun && o.resume), {
    path: ['resume'],
    message:
      '--dry-run checks the whole file against the ledger as it stands, which --resume cannot ' +
      '(part of the file may be written): use one',
  });

export type ImportOptions = z.infer<typeof OptionsSchema>;

export class OptionsError extends Error {}

/**
 * The command line, with the environment's LEDGER_URL, LEDGER_KEY and DATABASE_URL as
 * defaults. Flags win over the environment; when the environment names both a service and a
 * file, the command refuses to guess which ledger is meant.
 */
export function parseOptions(argv: readonly string[], env: ImportStagesEnvironment): ImportOptions {
  const { values, positionals } = commandLine(argv);
  if (positionals.length !== 1) {
    throw new OptionsError(`name one CSV file${positionals.length ? ` (got ${positionals.length})` : ''}\n${USAGE}`);
  }
  if (values.url !== undefined && values.database !== undefined) {
    throw new OptionsError('name one ledger: --url or --database, not both');
  }
  const url = values.url ?? (values.database === undefined ? env.ledgerUrl : undefined);
  const database = values.database ?? (values.url === undefined ? env.databaseUrl : undefined);
  if (url !== undefined && database !== undefined) {
    throw new OptionsError(
      'LEDGER_URL and DATABASE_URL are both set: say which ledger to import into with --url or --database',
    );
  }
  if (url === undefined && database === undefined) {
    throw new OptionsError(`name the ledger: --url (or LEDGER_URL) or --database (or DATABASE_URL)\n${USAGE}`);
  }
  if (values.key !== undefined && url === undefined) {
    throw new OptionsError('--key goes with --url: a ledger file needs no key');
  }
  const result = OptionsSchema.safeParse({
    file: positionals[0],
    target:
      url !== undefined
        ? { kind: 'service', url, key: values.key ?? env.ledgerKey ?? null }
        : { kind: 'file', databaseUrl: database },
    dryRun: values['dry-run'],
    resume: values.resume,
  });
  if (!result.success) {
    const name = (path: PropertyKey[]) =>
      ({ url: '--url', key: '--key (or LEDGER_KEY)', databaseUrl: '--database', resume: '--resume' })[
        String(path.at(-1))
      ] ?? path.join('.');
    throw new OptionsError(result.error.issues.map((i) => `${name(i.path)}: ${i.message}`).join('\n'));
  }
  return result.data;
}

/** The flags and the file, as node:util reads them; an unknown flag is a usage error. */
function commandLine(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        database: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        resume: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    throw new OptionsError(`${(e as Error).message}\n${USAGE}`);
  }
}
