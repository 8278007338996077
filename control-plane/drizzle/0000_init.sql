CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"target" text NOT NULL,
	"reason" text,
	"before" jsonb,
	"after" jsonb,
	"request_id" text
);
--> statement-breakpoint
CREATE TABLE "bundles" (
	"digest" text PRIMARY KEY NOT NULL,
	"model_name" text NOT NULL,
	"version" text NOT NULL,
	"key_id" text NOT NULL,
	"manifest" jsonb NOT NULL,
	"document" "bytea" NOT NULL,
	"size" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deployment_revisions" (
	"model_name" text NOT NULL,
	"channel" text NOT NULL,
	"revision" integer NOT NULL,
	"champion_version" text,
	"champion_bundle" text,
	"canary_version" text,
	"canary_bundle" text,
	"canary_share" double precision NOT NULL,
	"shadow_version" text,
	"shadow_bundle" text,
	"cause" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "deployment_revisions_model_name_channel_revision_pk" PRIMARY KEY("model_name","channel","revision")
);
--> statement-breakpoint
CREATE TABLE "deployments" (
	"model_name" text NOT NULL,
	"channel" text NOT NULL,
	"revision" integer NOT NULL,
	"champion_version" text,
	"champion_bundle" text,
	"canary_version" text,
	"canary_bundle" text,
	"canary_share" double precision DEFAULT 0 NOT NULL,
	"shadow_version" text,
	"shadow_bundle" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "deployments_model_name_channel_pk" PRIMARY KEY("model_name","channel")
);
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"model_name" text NOT NULL,
	"version" text NOT NULL,
	"source" text NOT NULL,
	"run_id" text NOT NULL,
	"model_id" text,
	"status" text NOT NULL,
	"metrics" jsonb NOT NULL,
	"tags" jsonb NOT NULL,
	"aliases" jsonb NOT NULL,
	"feature_spec_version" text,
	"mlflow_created_at" timestamp with time zone,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_versions_model_name_version_pk" PRIMARY KEY("model_name","version")
);
--> statement-breakpoint
CREATE TABLE "models" (
	"name" text PRIMARY KEY NOT NULL,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "promotions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"model_name" text NOT NULL,
	"version" text NOT NULL,
	"channel" text NOT NULL,
	"status" text NOT NULL,
	"idempotency_key" text,
	"request_hash" text NOT NULL,
	"actor" text NOT NULL,
	"reason" text NOT NULL,
	"canary_share" double precision,
	"forced" integer DEFAULT 0 NOT NULL,
	"gates" jsonb,
	"bundle_digest" text,
	"result" jsonb,
	"error" text,
	"lease_until" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "tokens_name_unique" UNIQUE("name"),
	CONSTRAINT "tokens_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_champion_bundle_bundles_digest_fk" FOREIGN KEY ("champion_bundle") REFERENCES "public"."bundles"("digest") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_canary_bundle_bundles_digest_fk" FOREIGN KEY ("canary_bundle") REFERENCES "public"."bundles"("digest") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_shadow_bundle_bundles_digest_fk" FOREIGN KEY ("shadow_bundle") REFERENCES "public"."bundles"("digest") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_model_name_models_name_fk" FOREIGN KEY ("model_name") REFERENCES "public"."models"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_target" ON "audit_log" USING btree ("target");--> statement-breakpoint
CREATE INDEX "audit_log_at" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "bundles_model_version" ON "bundles" USING btree ("model_name","version");--> statement-breakpoint
CREATE UNIQUE INDEX "promotions_one_in_progress" ON "promotions" USING btree ("model_name") WHERE "promotions"."status" = 'in_progress';--> statement-breakpoint
CREATE UNIQUE INDEX "promotions_idempotency" ON "promotions" USING btree ("idempotency_key");