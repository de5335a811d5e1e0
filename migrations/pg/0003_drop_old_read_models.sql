-- The old read models are read by nothing since the reported record (0002): stages come from
-- stage_reports, totals from reading_totals and stage_reading_rows, as-of answers from the events.
-- Their indexes go with them; the events' append-only triggers stay.
DROP TABLE "stage_handovers" CASCADE;--> statement-breakpoint
DROP TABLE "terms_history" CASCADE;--> statement-breakpoint
DROP TABLE "totals" CASCADE;