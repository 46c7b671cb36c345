CREATE TABLE "stats_rollups" (
	"series" text NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"seconds" integer NOT NULL,
	"rx_bits_per_second" double precision NOT NULL,
	"tx_bits_per_second" double precision NOT NULL,
	"rx_packets_per_second" double precision NOT NULL,
	"tx_packets_per_second" double precision NOT NULL,
	"drops_per_second" double precision NOT NULL,
	"retransmits_per_second" double precision NOT NULL,
	"connections" double precision NOT NULL,
	"peak_bits_per_second" double precision NOT NULL,
	CONSTRAINT "stats_rollups_pkey" PRIMARY KEY("series","minute")
);
--> statement-breakpoint
CREATE INDEX "stats_rollups_minute_idx" ON "stats_rollups" USING btree ("minute");