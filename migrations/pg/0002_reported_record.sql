-- The record as it was reported: every stage becomes one unattributed account of itself
-- (its source and note are its StageRecorded event's), every exchange's readings start as
-- the first reading of what it delivered, and the totals kept so far become the `@first`
-- reading filed by kind (no stage recorded before had a breakdown, so the `exchange` filing
-- departs from it nowhere and has no rows). What the SQLite
-- store's migration 0006 does. `readings` is added without NOT NULL, filled, then made NOT
-- NULL: the schema has no default for it.
CREATE TABLE "claims" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"sequence" bigint NOT NULL,
	"claim" text COLLATE "C" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "observers" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"name" text COLLATE "C" NOT NULL,
	"registered_at" text COLLATE "C" NOT NULL,
	"recorded_at" text COLLATE "C" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reading_totals" (
	"filing" text COLLATE "C" NOT NULL,
	"reading" text COLLATE "C" NOT NULL,
	"party" text COLLATE "C" NOT NULL,
	"kind" text COLLATE "C" NOT NULL,
	"handed_over" bigint NOT NULL,
	"received" bigint NOT NULL,
	"agreed_outstanding" bigint NOT NULL,
	"unspecified_sides" bigint NOT NULL,
	"proposed" bigint NOT NULL,
	"handed_over_undisclosed_stages" bigint NOT NULL,
	"received_undisclosed_stages" bigint NOT NULL,
	"handed_over_approximate" bigint NOT NULL,
	"received_approximate" bigint NOT NULL,
	CONSTRAINT "reading_totals_filing_reading_party_kind_pk" PRIMARY KEY("filing","reading","party","kind")
);
--> statement-breakpoint
CREATE TABLE "reporters" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"first_sequence" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stage_reading_rows" (
	"stage_id" text COLLATE "C" NOT NULL,
	"filing" text COLLATE "C" NOT NULL,
	"reading" text COLLATE "C" NOT NULL,
	"party" text COLLATE "C" NOT NULL,
	"kind" text COLLATE "C" NOT NULL,
	"exchange_id" text COLLATE "C" NOT NULL,
	"occurred_at" text COLLATE "C" NOT NULL,
	"handed_over" integer NOT NULL,
	"received" integer NOT NULL,
	"handed_over_undisclosed_stages" integer NOT NULL,
	"received_undisclosed_stages" integer NOT NULL,
	"handed_over_approximate" integer NOT NULL,
	"received_approximate" integer NOT NULL,
	CONSTRAINT "stage_reading_rows_stage_id_filing_reading_party_kind_pk" PRIMARY KEY("stage_id","filing","reading","party","kind")
);
--> statement-breakpoint
CREATE TABLE "stage_reports" (
	"stage_id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"exchange_id" text COLLATE "C" NOT NULL,
	"sequence" bigint NOT NULL,
	"stage" text COLLATE "C" NOT NULL
);
--> statement-breakpoint
ALTER TABLE "exchanges" ADD COLUMN "readings" text COLLATE "C";--> statement-breakpoint
ALTER TABLE "stage_reports" ADD CONSTRAINT "stage_reports_exchange_id_exchanges_id_fk" FOREIGN KEY ("exchange_id") REFERENCES "public"."exchanges"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "claims_sequence" ON "claims" USING btree ("sequence");--> statement-breakpoint
CREATE INDEX "stage_reading_rows_window" ON "stage_reading_rows" USING btree ("filing","reading","occurred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "stage_reports_exchange" ON "stage_reports" USING btree ("exchange_id","sequence");--> statement-breakpoint
UPDATE "exchanges" SET "readings" = json_build_object(
	'termsAccounts', json_build_array(), 'reporters', json_build_array(),
	'tallies', json_build_object('@first', json_build_array(
		json_build_object('delivered', "state"::json #> '{sides,0,delivered}', 'undisclosedStages', 0, 'approximate', 0),
		json_build_object('delivered', "state"::json #> '{sides,1,delivered}', 'undisclosedStages', 0, 'approximate', 0)
	)))::text;--> statement-breakpoint
ALTER TABLE "exchanges" ALTER COLUMN "readings" SET NOT NULL;--> statement-breakpoint
INSERT INTO "stage_reports" ("stage_id", "exchange_id", "sequence", "stage")
SELECT h."stage_id", h."exchange_id", h."sequence", json_build_object(
	'id', h."stage_id", 'occurredAt', h."occurred_at", 'recordedAt', h."recorded_at",
	'voided', CASE WHEN h."voided_at" IS NULL THEN NULL ELSE json_build_object(
		'occurredAt', h."voided_at", 'recordedAt', h."void_recorded_at", 'reason', h."void_reason") END,
	'afterCompletion', false,
	'accounts', json_build_array(json_build_object(
		'reportedBy', NULL,
		'sides', json_build_array(
			json_build_object('party', h."party", 'count', h."count", 'approximate', false, 'breakdown', NULL),
			json_build_object('party', c."party", 'count', c."count", 'approximate', false, 'breakdown', NULL)),
		'source', e."source"::json, 'note', e."note", 'occurredAt', h."occurred_at", 'recordedAt', h."recorded_at")))::text
FROM "stage_handovers" h
JOIN "exchanges" x ON x."id" = h."exchange_id"
JOIN "stage_handovers" c ON c."stage_id" = h."stage_id" AND c."party" = h."counterparty"
JOIN "events" e ON e."sequence" = h."sequence"
WHERE h."party" = x."state"::json #>> '{sides,0,party}';--> statement-breakpoint
INSERT INTO "reading_totals"
SELECT f."filing", '@first', t."party", t."kind", t."handed_over", t."received", t."agreed_outstanding",
	t."unspecified_sides", t."proposed", 0, 0, 0, 0
FROM "totals" t CROSS JOIN (VALUES ('kind')) AS f("filing");--> statement-breakpoint
INSERT INTO "stage_reading_rows"
SELECT h."stage_id", f."filing", '@first', h."party", h."kind", h."exchange_id", h."occurred_at", h."count", c."count",
	0, 0, 0, 0
FROM "stage_handovers" h
JOIN "stage_handovers" c ON c."stage_id" = h."stage_id" AND c."party" = h."counterparty"
CROSS JOIN (VALUES ('kind')) AS f("filing")
WHERE h."voided_at" IS NULL;
