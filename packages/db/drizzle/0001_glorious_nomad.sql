CREATE TABLE "artifacts" (
	"sha256" text PRIMARY KEY NOT NULL,
	"size" bigint NOT NULL,
	"format" text NOT NULL,
	"uploaded_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rollout_steps" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "rollout_steps_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"rollout_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"message" text NOT NULL,
	"detail" jsonb
);
--> statement-breakpoint
CREATE TABLE "rollouts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"app_id" integer NOT NULL,
	"from_version_id" integer,
	"to_version_id" integer NOT NULL,
	"phase" text NOT NULL,
	"spec" jsonb NOT NULL,
	"state" jsonb NOT NULL,
	"reason" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "app_versions" ADD COLUMN "artifact" jsonb;--> statement-breakpoint
ALTER TABLE "app_versions" ADD COLUMN "implementation" text DEFAULT 'native' NOT NULL;--> statement-breakpoint
ALTER TABLE "app_versions" ADD COLUMN "backend" text DEFAULT 'xdp' NOT NULL;--> statement-breakpoint
ALTER TABLE "app_versions" ADD COLUMN "config" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "app_versions" ADD COLUMN "placement" jsonb DEFAULT '{"instancesPerNode":1,"nodeNames":[]}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "app_versions" ADD COLUMN "cores_per_instance" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "app_versions" ADD COLUMN "queues_per_instance" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "app_versions" ADD COLUMN "allow_smt_sharing" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "app_versions" ADD COLUMN "created_by" uuid;--> statement-breakpoint
ALTER TABLE "artifacts" ADD CONSTRAINT "artifacts_uploaded_by_users_id_fk" FOREIGN KEY ("uploaded_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollout_steps" ADD CONSTRAINT "rollout_steps_rollout_id_rollouts_id_fk" FOREIGN KEY ("rollout_id") REFERENCES "public"."rollouts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_from_version_id_app_versions_id_fk" FOREIGN KEY ("from_version_id") REFERENCES "public"."app_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_to_version_id_app_versions_id_fk" FOREIGN KEY ("to_version_id") REFERENCES "public"."app_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "rollout_steps_rollout_idx" ON "rollout_steps" USING btree ("rollout_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "rollouts_one_active_per_app" ON "rollouts" USING btree ("app_id") WHERE "rollouts"."phase" in ('running', 'paused', 'awaiting-promotion', 'aborting');--> statement-breakpoint
ALTER TABLE "app_versions" ADD CONSTRAINT "app_versions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;