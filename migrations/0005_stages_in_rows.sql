-- An exchange's stages move out of its JSON state into stage_handovers, which gains what a
-- stage view needs (its order, when it was recorded, when and why it was voided): a command
-- on an exchange with thousands of stages then reads and writes one small row, not all of
-- them. SQLite cannot add NOT NULL columns to a table in place, so the table is rebuilt and
-- filled from the ledger's own StageRecorded and StageVoided events, looked up through a
-- temporary index (joining events on json_extract directly grew with the square of an
-- exchange's stages: 2.8 s for one exchange of 2,000).
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
CREATE TEMP TABLE `__stage_events` AS
SELECT json_extract(`data`, '$.stageId') AS `stage_id`, `stream_id`, `type`, `sequence`, `recorded_at`, json_extract(`data`, '$.reason') AS `reason`
FROM `events` WHERE `type` IN ('StageRecorded', 'StageVoided');--> statement-breakpoint
CREATE INDEX `__stage_events_key` ON `__stage_events` (`stage_id`, `stream_id`, `type`);--> statement-breakpoint
INSERT INTO `stage_handovers` (`stage_id`, `party`, `counterparty`, `exchange_id`, `kind`, `count`, `occurred_at`, `voided_at`, `sequence`, `recorded_at`, `void_recorded_at`, `void_reason`)
SELECT s.`stage_id`, s.`party`, s.`counterparty`, s.`exchange_id`, s.`kind`, s.`count`, s.`occurred_at`, s.`voided_at`,
  r.`sequence`, r.`recorded_at`, v.`recorded_at`, v.`reason`
FROM `__old_stage_handovers` s
JOIN `__stage_events` r ON r.`stage_id` = s.`stage_id` AND r.`stream_id` = s.`exchange_id` AND r.`type` = 'StageRecorded'
LEFT JOIN `__stage_events` v ON v.`stage_id` = s.`stage_id` AND v.`stream_id` = s.`exchange_id` AND v.`type` = 'StageVoided';--> statement-breakpoint
DROP TABLE `__stage_events`;--> statement-breakpoint
DROP TABLE `__old_stage_handovers`;--> statement-breakpoint
CREATE INDEX `stage_handovers_party` ON `stage_handovers` (`party`,`kind`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `stage_handovers_counterparty` ON `stage_handovers` (`counterparty`,`kind`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `stage_handovers_exchange` ON `stage_handovers` (`exchange_id`,`sequence`,`party`);--> statement-breakpoint
UPDATE `exchanges` SET `state` = json_remove(`state`, '$.stages');
