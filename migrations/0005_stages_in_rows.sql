-- An exchange's stages move out of its JSON state into stage_handovers, which gains what a
-- stage view needs (its order, when it was recorded, when and why it was voided): a command
-- on an exchange with thousands of stages then reads and writes one small row, not all of
-- them. SQLite cannot add NOT NULL columns to a table in place, so the table is rebuilt and
-- filled from the ledger's own StageRecorded and StageVoided events.
DROP INDEX `stage_handovers_party`;--> statement-breakpoint
DROP INDEX `stage_handovers_counterparty`;--> statement-breakpoint
DROP INDEX `stage_handovers_exchange`;--> statement-breakpoint
ALTER TABLE `stage_handovers` RENAME TO `__old_stage_handovers`;--> statement-breakpoint
CREATE TABLE `stage_handovers` (
	`stage_id` text NOT NULL,
	`party` text NOT NULL,
	`counterparty` text NOT NULL,
	`exchange_id` text NOT NULL,
	`kind` text NOT NULL,
	`count` integer NOT NULL,
	`occurred_at` text NOT NULL,
	`voided_at` text,
	`sequence` integer NOT NULL,
	`recorded_at` text NOT NULL,
	`void_recorded_at` text,
	`void_reason` text,
	PRIMARY KEY(`stage_id`, `party`),
	FOREIGN KEY (`party`) REFERENCES `parties`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`counterparty`) REFERENCES `parties`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`exchange_id`) REFERENCES `exchanges`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "stage_handovers_count" CHECK("stage_handovers"."count" >= 0)
);--> statement-breakpoint
INSERT INTO `stage_handovers` (`stage_id`, `party`, `counterparty`, `exchange_id`, `kind`, `count`, `occurred_at`, `voided_at`, `sequence`, `recorded_at`, `void_recorded_at`, `void_reason`)
SELECT s.`stage_id`, s.`party`, s.`counterparty`, s.`exchange_id`, s.`kind`, s.`count`, s.`occurred_at`, s.`voided_at`,
  r.`sequence`, r.`recorded_at`, v.`recorded_at`, json_extract(v.`data`, '$.reason')
FROM `__old_stage_handovers` s
JOIN `events` r ON r.`stream_id` = s.`exchange_id` AND r.`type` = 'StageRecorded' AND json_extract(r.`data`, '$.stageId') = s.`stage_id`
LEFT JOIN `events` v ON v.`stream_id` = s.`exchange_id` AND v.`type` = 'StageVoided' AND json_extract(v.`data`, '$.stageId') = s.`stage_id`;--> statement-breakpoint
DROP TABLE `__old_stage_handovers`;--> statement-breakpoint
CREATE INDEX `stage_handovers_party` ON `stage_handovers` (`party`,`kind`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `stage_handovers_counterparty` ON `stage_handovers` (`counterparty`,`kind`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `stage_handovers_exchange` ON `stage_handovers` (`exchange_id`,`sequence`,`party`);--> statement-breakpoint
UPDATE `exchanges` SET `state` = json_remove(`state`, '$.stages');
