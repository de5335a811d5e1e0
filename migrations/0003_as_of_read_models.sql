CREATE TABLE `terms_history` (
	`exchange_id` text NOT NULL,
	`party` text NOT NULL,
	`kind` text NOT NULL,
	`version` integer NOT NULL,
	`status` text NOT NULL,
	`hands_over` integer,
	`valid_from` text NOT NULL,
	`valid_to` text,
	PRIMARY KEY(`exchange_id`, `party`, `version`),
	FOREIGN KEY (`exchange_id`) REFERENCES `exchanges`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`party`) REFERENCES `parties`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `terms_history_from` ON `terms_history` (`valid_from`);--> statement-breakpoint
CREATE INDEX `stage_handovers_exchange` ON `stage_handovers` (`exchange_id`,`party`);