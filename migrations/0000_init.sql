CREATE TABLE `events` (
	`sequence` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`stream_id` text NOT NULL,
	`version` integer NOT NULL,
	`type` text NOT NULL,
	`data` text NOT NULL,
	`occurred_at` text NOT NULL,
	`recorded_at` text NOT NULL,
	`principal` text NOT NULL,
	`source` text,
	`note` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_id` ON `events` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `events_stream_version` ON `events` (`stream_id`,`version`);--> statement-breakpoint
CREATE TABLE `exchange_parties` (
	`party` text NOT NULL,
	`exchange_id` text NOT NULL,
	`occurred_at` text NOT NULL,
	`seq` integer NOT NULL,
	PRIMARY KEY(`party`, `exchange_id`),
	FOREIGN KEY (`party`) REFERENCES `parties`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`exchange_id`) REFERENCES `exchanges`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `exchange_parties_order` ON `exchange_parties` (`party`,`occurred_at`,`seq`);--> statement-breakpoint
CREATE TABLE `exchanges` (
	`id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`occurred_at` text NOT NULL,
	`version` integer NOT NULL,
	`state` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `exchanges_order` ON `exchanges` (`occurred_at`,`seq`);--> statement-breakpoint
CREATE INDEX `exchanges_status_order` ON `exchanges` (`status`,`occurred_at`,`seq`);--> statement-breakpoint
CREATE INDEX `exchanges_kind_order` ON `exchanges` (`kind`,`occurred_at`,`seq`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`principal` text NOT NULL,
	`key` text NOT NULL,
	`fingerprint` text NOT NULL,
	`status` integer NOT NULL,
	`headers` text NOT NULL,
	`body` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`principal`, `key`)
);
--> statement-breakpoint
CREATE TABLE `parties` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`registered_at` text NOT NULL,
	`recorded_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `stage_handovers` (
	`stage_id` text NOT NULL,
	`party` text NOT NULL,
	`counterparty` text NOT NULL,
	`exchange_id` text NOT NULL,
	`kind` text NOT NULL,
	`count` integer NOT NULL,
	`occurred_at` text NOT NULL,
	`voided_at` text,
	PRIMARY KEY(`stage_id`, `party`),
	FOREIGN KEY (`party`) REFERENCES `parties`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`counterparty`) REFERENCES `parties`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`exchange_id`) REFERENCES `exchanges`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "stage_handovers_count" CHECK("stage_handovers"."count" >= 0)
);
--> statement-breakpoint
CREATE INDEX `stage_handovers_party` ON `stage_handovers` (`party`,`kind`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `stage_handovers_counterparty` ON `stage_handovers` (`counterparty`,`kind`,`occurred_at`);--> statement-breakpoint
CREATE TABLE `totals` (
	`party` text NOT NULL,
	`kind` text NOT NULL,
	`handed_over` integer NOT NULL,
	`received` integer NOT NULL,
	`agreed_outstanding` integer NOT NULL,
	`unspecified_sides` integer NOT NULL,
	`proposed` integer NOT NULL,
	PRIMARY KEY(`party`, `kind`),
	FOREIGN KEY (`party`) REFERENCES `parties`(`id`) ON UPDATE no action ON DELETE no action
);
