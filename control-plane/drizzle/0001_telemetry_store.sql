CREATE TABLE "telemetry_buckets" (
	"bucket_start" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"channel" text NOT NULL,
	"model_version" text NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"bounds_key" text NOT NULL,
	"bounds" jsonb NOT NULL,
	"counts" double precision[] NOT NULL,
	"n" double precision NOT NULL,
	"sum" double precision,
	CONSTRAINT "telemetry_buckets_pk" PRIMARY KEY("bucket_start","source","channel","model_version","kind","name","bounds_key")
);
--> statement-breakpoint
CREATE TABLE "telemetry_reports" (
	"report_key" text PRIMARY KEY NOT NULL,
	"isolate" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"colo" text,
	"serving" jsonb
);
--> statement-breakpoint
CREATE INDEX "telemetry_reports_received_at" ON "telemetry_reports" USING btree ("received_at");