CREATE TABLE "api_keys" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"name" text COLLATE "C" NOT NULL,
	"role" text COLLATE "C" NOT NULL,
	"digest" text COLLATE "C" NOT NULL,
	"created_at" text COLLATE "C" NOT NULL,
	"created_by" text COLLATE "C" NOT NULL,
	"revoked_at" text COLLATE "C",
	"revoked_by" text COLLATE "C"
);
--> statement-breakpoint
CREATE TABLE "events" (
	"sequence" bigint PRIMARY KEY NOT NULL,
	"id" text COLLATE "C" NOT NULL,
	"stream_id" text COLLATE "C" NOT NULL,
	"version" integer NOT NULL,
	"type" text COLLATE "C" NOT NULL,
	"data" text COLLATE "C" NOT NULL,
	"occurred_at" text COLLATE "C" NOT NULL,
	"recorded_at" text COLLATE "C" NOT NULL,
	"principal" text COLLATE "C" NOT NULL,
	"source" text COLLATE "C",
	"note" text COLLATE "C",
	"prev_hash" text COLLATE "C" NOT NULL,
	"hash" text COLLATE "C" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "exchange_parties" (
	"party" text COLLATE "C" NOT NULL,
	"exchange_id" text COLLATE "C" NOT NULL,
	"occurred_at" text COLLATE "C" NOT NULL,
	"seq" bigint NOT NULL,
	CONSTRAINT "exchange_parties_party_exchange_id_pk" PRIMARY KEY("party","exchange_id")
);
--> statement-breakpoint
CREATE TABLE "exchanges" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"kind" text COLLATE "C" NOT NULL,
	"status" text COLLATE "C" NOT NULL,
	"occurred_at" text COLLATE "C" NOT NULL,
	"version" integer NOT NULL,
	"state" text COLLATE "C" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"principal" text COLLATE "C" NOT NULL,
	"key" text COLLATE "C" NOT NULL,
	"fingerprint" text COLLATE "C" NOT NULL,
	"status" integer NOT NULL,
	"headers" text COLLATE "C" NOT NULL,
	"body" text COLLATE "C" NOT NULL,
	"created_at" text COLLATE "C" NOT NULL,
	CONSTRAINT "idempotency_keys_principal_key_pk" PRIMARY KEY("principal","key")
);
--> statement-breakpoint
CREATE TABLE "parties" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"name" text COLLATE "C" NOT NULL,
	"registered_at" text COLLATE "C" NOT NULL,
	"recorded_at" text COLLATE "C" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stage_handovers" (
	"stage_id" text COLLATE "C" NOT NULL,
	"party" text COLLATE "C" NOT NULL,
	"counterparty" text COLLATE "C" NOT NULL,
	"exchange_id" text COLLATE "C" NOT NULL,
	"kind" text COLLATE "C" NOT NULL,
	"count" integer NOT NULL,
	"occurred_at" text COLLATE "C" NOT NULL,
	"voided_at" text COLLATE "C",
	"sequence" bigint NOT NULL,
	"recorded_at" text COLLATE "C" NOT NULL,
	"void_recorded_at" text COLLATE "C",
	"void_reason" text COLLATE "C",
	CONSTRAINT "stage_handovers_stage_id_party_pk" PRIMARY KEY("stage_id","party"),
	CONSTRAINT "stage_handovers_count" CHECK ("stage_handovers"."count" >= 0)
);
--> statement-breakpoint
CREATE TABLE "terms_history" (
	"exchange_id" text COLLATE "C" NOT NULL,
	"party" text COLLATE "C" NOT NULL,
	"kind" text COLLATE "C" NOT NULL,
	"version" integer NOT NULL,
	"status" text COLLATE "C" NOT NULL,
	"hands_over" integer,
	"valid_from" text COLLATE "C" NOT NULL,
	"valid_to" text COLLATE "C",
	CONSTRAINT "terms_history_exchange_id_party_version_pk" PRIMARY KEY("exchange_id","party","version")
);
--> statement-breakpoint
CREATE TABLE "totals" (
	"party" text COLLATE "C" NOT NULL,
	"kind" text COLLATE "C" NOT NULL,
	"handed_over" bigint NOT NULL,
	"received" bigint NOT NULL,
	"agreed_outstanding" bigint NOT NULL,
	"unspecified_sides" bigint NOT NULL,
	"proposed" bigint NOT NULL,
	CONSTRAINT "totals_party_kind_pk" PRIMARY KEY("party","kind")
);
--> statement-breakpoint
ALTER TABLE "exchange_parties" ADD CONSTRAINT "exchange_parties_party_parties_id_fk" FOREIGN KEY ("party") REFERENCES "public"."parties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exchange_parties" ADD CONSTRAINT "exchange_parties_exchange_id_exchanges_id_fk" FOREIGN KEY ("exchange_id") REFERENCES "public"."exchanges"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stage_handovers" ADD CONSTRAINT "stage_handovers_party_parties_id_fk" FOREIGN KEY ("party") REFERENCES "public"."parties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stage_handovers" ADD CONSTRAINT "stage_handovers_counterparty_parties_id_fk" FOREIGN KEY ("counterparty") REFERENCES "public"."parties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stage_handovers" ADD CONSTRAINT "stage_handovers_exchange_id_exchanges_id_fk" FOREIGN KEY ("exchange_id") REFERENCES "public"."exchanges"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "terms_history" ADD CONSTRAINT "terms_history_exchange_id_exchanges_id_fk" FOREIGN KEY ("exchange_id") REFERENCES "public"."exchanges"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "terms_history" ADD CONSTRAINT "terms_history_party_parties_id_fk" FOREIGN KEY ("party") REFERENCES "public"."parties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "totals" ADD CONSTRAINT "totals_party_parties_id_fk" FOREIGN KEY ("party") REFERENCES "public"."parties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_digest" ON "api_keys" USING btree ("digest");--> statement-breakpoint
CREATE UNIQUE INDEX "events_id" ON "events" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "events_stream_version" ON "events" USING btree ("stream_id","version");--> statement-breakpoint
CREATE INDEX "exchange_parties_order" ON "exchange_parties" USING btree ("party","occurred_at","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "exchanges_order" ON "exchanges" USING btree ("occurred_at","seq");--> statement-breakpoint
CREATE INDEX "exchanges_status_order" ON "exchanges" USING btree ("status","occurred_at","seq");--> statement-breakpoint
CREATE INDEX "exchanges_kind_order" ON "exchanges" USING btree ("kind","occurred_at","seq");--> statement-breakpoint
CREATE INDEX "stage_handovers_party" ON "stage_handovers" USING btree ("party","kind","occurred_at");--> statement-breakpoint
CREATE INDEX "stage_handovers_counterparty" ON "stage_handovers" USING btree ("counterparty","kind","occurred_at");--> statement-breakpoint
CREATE INDEX "stage_handovers_exchange" ON "stage_handovers" USING btree ("exchange_id","sequence","party");--> statement-breakpoint
CREATE INDEX "terms_history_from" ON "terms_history" USING btree ("valid_from");