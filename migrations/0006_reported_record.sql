-- The record as it was reported: every stage becomes one unattributed account of itself
-- (its source and note are its StageRecorded event's), every exchange's readings start as
-- the first reading of what it delivered, and the totals kept so far become the `@first`
-- reading filed by kind (no stage recorded before had a breakdown, so the `exchange`
-- filing departs from it nowhere and has no rows). SQLite cannot add
-- a NOT NULL column without a default, so `readings` gets one and is filled at once.
CREATE TABLE `claims` (
	`id` text PRIMARY KEY NOT NULL,
	`sequence` integer NOT NULL,
	`claim` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `claims_sequence` ON `claims` (`sequence`);--> statement-breakpoint
CREATE TABLE `observers` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`registered_at` text NOT NULL,
	`recorded_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `reading_totals` (
	`filing` text NOT NULL,
	`reading` text NOT NULL,
	`party` text NOT NULL,
	`kind` text NOT NULL,
	`handed_over` integer NOT NULL,
	`received` integer NOT NULL,
	`agreed_outstanding` integer NOT NULL,
	`unspecified_sides` integer NOT NULL,
	`proposed` integer NOT NULL,
	`handed_over_undisclosed_stages` integer NOT NULL,
	`received_undisclosed_stages` integer NOT NULL,
	`handed_over_approximate` integer NOT NULL,
	`received_approximate` integer NOT NULL,
	PRIMARY KEY(`filing`, `reading`, `party`, `kind`)
);
--> statement-breakpoint
CREATE TABLE `reporters` (
	`id` text PRIMARY KEY NOT NULL,
	`first_sequence` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `stage_reading_rows` (
	`stage_id` text NOT NULL,
	`filing` text NOT NULL,
	`reading` text NOT NULL,
	`party` text NOT NULL,
	`kind` text NOT NULL,
	`exchange_id` text NOT NULL,
	`occurred_at` text NOT NULL,
	`handed_over` integer NOT NULL,
	`received` integer NOT NULL,
	`handed_over_undisclosed_stages` integer NOT NULL,
	`received_undisclosed_stages` integer NOT NULL,
	`handed_over_approximate` integer NOT NULL,
	`received_approximate` integer NOT NULL,
	PRIMARY KEY(`stage_id`, `filing`, `reading`, `party`, `kind`)
);
--> statement-breakpoint
CREATE INDEX `stage_reading_rows_window` ON `stage_reading_rows` (`filing`,`reading`,`occurred_at`);--> statement-breakpoint
CREATE TABLE `stage_reports` (
	`stage_id` text PRIMARY KEY NOT NULL,
	`exchange_id` text NOT NULL,
	`sequence` integer NOT NULL,
	`stage` text NOT NULL,
	FOREIGN KEY (`exchange_id`) REFERENCES `exchanges`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `stage_reports_exchange` ON `stage_reports` (`exchange_id`,`sequence`);--> statement-breakpoint
ALTER TABLE `exchanges` ADD `readings` text NOT NULL DEFAULT '{}';--> statement-breakpoint
UPDATE `exchanges` SET `readings` = json_object(
	'termsAccounts', json('[]'), 'reporters', json('[]'),
	'tallies', json_object('@first', json_array(
		json_object('delivered', json_extract(`state`, '$.sides[0].delivered'), 'undisclosedStages', 0, 'approximate', 0),
		json_object('delivered', json_extract(`state`, '$.sides[1].delivered'), 'undisclosedStages', 0, 'approximate', 0))));--> statement-breakpoint
INSERT INTO `stage_reports` (`stage_id`, `exchange_id`, `sequence`, `stage`)
SELECT h.stage_id, h.exchange_id, h.sequence, json_object(
	'id', h.stage_id, 'occurredAt', h.occurred_at, 'recordedAt', h.recorded_at,
	'voided', json(CASE WHEN h.voided_at IS NULL THEN 'null' ELSE json_object(
		'occurredAt', h.voided_at, 'recordedAt', h.void_recorded_at, 'reason', h.void_reason) END),
	'afterCompletion', json('false'),
	'accounts', json_array(json_object(
		'reportedBy', NULL,
		'sides', json_array(
			json_object('party', h.party, 'count', h.count, 'approximate', json('false'), 'breakdown', NULL),
			json_object('party', h.counterparty, 'count', coalesce((SELECT c.count FROM stage_handovers c
				WHERE c.stage_id = h.stage_id AND c.party = h.counterparty), 0), 'approximate', json('false'), 'breakdown', NULL)),
		'source', json(e.source), 'note', e.note, 'occurredAt', h.occurred_at, 'recordedAt', h.recorded_at)))
FROM stage_handovers h
JOIN exchanges x ON x.id = h.exchange_id
JOIN events e ON e.sequence = h.sequence
WHERE h.party = json_extract(x.state, '$.sides[0].party');--> statement-breakpoint
INSERT INTO `reading_totals`
SELECT f.filing, '@first', t.party, t.kind, t.handed_over, t.received, t.agreed_outstanding, t.unspecified_sides,
	t.proposed, 0, 0, 0, 0
FROM totals t, (SELECT 'kind' AS filing) f;--> statement-breakpoint
INSERT INTO `stage_reading_rows`
SELECT h.stage_id, f.filing, '@first', h.party, h.kind, h.exchange_id, h.occurred_at, h.count, 0, 0, 0, 0, 0
FROM stage_handovers h, (SELECT 'kind' AS filing) f
WHERE h.voided_at IS NULL;--> statement-breakpoint
INSERT INTO `stage_reading_rows`
SELECT h.stage_id, f.filing, '@first', h.counterparty, h.kind, h.exchange_id, h.occurred_at, 0, h.count, 0, 0, 0, 0
FROM stage_handovers h, (SELECT 'kind' AS filing) f
WHERE h.voided_at IS NULL
ON CONFLICT (`stage_id`, `filing`, `reading`, `party`, `kind`) DO UPDATE SET `received` = `received` + excluded.`received`;