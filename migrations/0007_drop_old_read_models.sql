-- The read models the reported record replaced (0006) go: stage views come from
-- stage_reports, every total from reading_totals and stage_reading_rows, as-of answers from
-- the events in force. Nothing read them any more, and every write paid for them.
DROP TABLE `stage_handovers`;--> statement-breakpoint
DROP TABLE `terms_history`;--> statement-breakpoint
DROP TABLE `totals`;