-- The audit trail: who changed which event, when, and what. Written by triggers, so no
-- change escapes it, whatever path it takes. The store names the actor per transaction with
-- set_config('almedalen.actor', …, true); a change made outside the store is marked 'sql'.

CREATE TABLE event_changes (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id    uuid NOT NULL REFERENCES events ON DELETE CASCADE,
  changed_at  timestamptz NOT NULL DEFAULT now(),
  actor       text NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
  action      text NOT NULL CHECK (action IN ('created', 'updated', 'published', 'cancelled')),
  version     integer NOT NULL,
  revision    integer NOT NULL,
  -- {"field": {"from": old, "to": new}, …}, in the row's column names.
  changes     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX event_changes_by_event ON event_changes (event_id, id);

CREATE FUNCTION event_changes_actor() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('almedalen.actor', true), ''), 'sql')
$$;

CREATE FUNCTION events_record_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  diff jsonb;
  kind text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO event_changes (event_id, actor, action, version, revision, changes)
    VALUES (NEW.id, event_changes_actor(), 'created', NEW.version, NEW.revision, '{}');
    RETURN NEW;
  END IF;
  SELECT coalesce(jsonb_object_agg(o.key, jsonb_build_object('from', o.value, 'to', n.value)),
                  '{}'::jsonb)
    INTO diff
    FROM jsonb_each(to_jsonb(OLD)) o
    JOIN jsonb_each(to_jsonb(NEW)) n USING (key)
   WHERE o.value IS DISTINCT FROM n.value
     AND o.key NOT IN ('version', 'revision', 'updated_at', 'revised_at', 'search',
                       'published_at', 'cancelled_at');
  -- Changes outside the events row (participants, co-organisers), named by the store.
  diff := diff || coalesce(nullif(current_setting('almedalen.extra_changes', true), '')::jsonb,
                           '{}'::jsonb);
  IF diff = '{}'::jsonb THEN
    RETURN NEW;
  END IF;
  kind := CASE
    WHEN OLD.status = 'draft' AND NEW.status = 'published' THEN 'published'
    WHEN OLD.status <> 'cancelled' AND NEW.status = 'cancelled' THEN 'cancelled'
    ELSE 'updated' END;
  INSERT INTO event_changes (event_id, actor, action, version, revision, changes)
  VALUES (NEW.id, event_changes_actor(), kind, NEW.version, NEW.revision, diff);
  RETURN NEW;
END $$;

CREATE TRIGGER events_record_change AFTER INSERT OR UPDATE ON events
  FOR EACH ROW EXECUTE FUNCTION events_record_change();
