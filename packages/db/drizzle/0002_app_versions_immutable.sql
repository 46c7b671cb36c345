-- Custom SQL migration file, put your code below! --
-- App versions are immutable: a rollout compares versions by id, so a version whose spec changed underneath it
-- would make history lie. Only created_by may change (ON DELETE SET NULL when a user row goes away).
CREATE FUNCTION app_versions_refuse_spec_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.app_id, NEW.version, NEW.artifact, NEW.implementation, NEW.backend, NEW.config, NEW.placement,
      NEW.cores_per_instance, NEW.queues_per_instance, NEW.allow_smt_sharing)
     IS DISTINCT FROM
     (OLD.app_id, OLD.version, OLD.artifact, OLD.implementation, OLD.backend, OLD.config, OLD.placement,
      OLD.cores_per_instance, OLD.queues_per_instance, OLD.allow_smt_sharing) THEN
    RAISE EXCEPTION 'app version % is immutable; create a new version instead', OLD.id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER app_versions_immutable BEFORE UPDATE ON app_versions
  FOR EACH ROW EXECUTE FUNCTION app_versions_refuse_spec_change();
