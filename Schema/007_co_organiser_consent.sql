-- Co-organisers consent (issue 19): naming another organiser as co-organiser is a request
-- that organiser (or an admin) answers. Until it is accepted the event shows under its own
-- organiser only. Links that existed before were shown, and stay so: they become accepted.
--
-- And one rule in one place: URL schemes compare case-insensitively, as Swift does.

ALTER TABLE event_organisers
  ADD COLUMN status text NOT NULL DEFAULT 'accepted'
    CONSTRAINT event_organisers_status CHECK (status IN ('pending', 'accepted', 'declined')),
  ADD COLUMN requested_at timestamptz NOT NULL DEFAULT now(),
  -- Existing links count as decided when this migration ran.
  ADD COLUMN decided_at timestamptz DEFAULT now(),
  -- Who answered (`token:NAME`, `system`), from almedalen.actor.
  ADD COLUMN decided_by text CHECK (length(decided_by) <= 200);
ALTER TABLE event_organisers
  ALTER COLUMN status SET DEFAULT 'pending',
  ALTER COLUMN decided_at DROP DEFAULT,
  ADD CONSTRAINT event_organisers_decided CHECK ((status = 'pending') = (decided_at IS NULL));

-- An organiser's edit rewrites the order of its co-organisers with one upsert that never
-- touches an answer; the order's uniqueness is checked at commit so positions can swap.
ALTER TABLE event_organisers
  DROP CONSTRAINT event_organisers_event_id_position_key,
  ADD CONSTRAINT event_organisers_position UNIQUE (event_id, position)
    DEFERRABLE INITIALLY DEFERRED;

-- The requests waiting for one organiser.
CREATE INDEX event_organisers_pending ON event_organisers (organiser_id, requested_at)
  WHERE status = 'pending';

-- Answers only move forward: pending to accepted or declined, accepted to declined. A
-- declined request is final; the organiser may name the co-organiser anew (a new row). Two
-- racing answers, or an answer racing an edit, cannot undo one another, whatever the SQL.
CREATE FUNCTION event_organisers_consent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.status = 'declined' THEN
      RAISE EXCEPTION 'a co-organiser request starts pending or accepted'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'event_organisers_consent',
              COLUMN = 'status', TABLE = 'event_organisers';
    END IF;
    NEW.requested_at := now();
    IF NEW.status = 'accepted' THEN
      NEW.decided_at := now();
      NEW.decided_by := event_changes_actor();
    ELSE
      NEW.decided_at := NULL;
      NEW.decided_by := NULL;
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.event_id <> OLD.event_id OR NEW.organiser_id <> OLD.organiser_id THEN
    RAISE EXCEPTION 'a co-organiser request belongs to one event and one organiser'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'event_organisers_consent',
            COLUMN = 'organiser_id', TABLE = 'event_organisers';
  END IF;
  NEW.requested_at := OLD.requested_at;
  IF NEW.status = OLD.status THEN
    NEW.decided_at := OLD.decided_at;
    NEW.decided_by := OLD.decided_by;
    RETURN NEW;
  END IF;
  IF NOT ((OLD.status = 'pending' AND NEW.status IN ('accepted', 'declined'))
          OR (OLD.status = 'accepted' AND NEW.status = 'declined')) THEN
    RAISE EXCEPTION 'a co-organiser request that is % cannot become %', OLD.status, NEW.status
      USING ERRCODE = 'check_violation', CONSTRAINT = 'event_organisers_consent',
            COLUMN = 'status', TABLE = 'event_organisers';
  END IF;
  NEW.decided_at := now();
  NEW.decided_by := event_changes_actor();
  RETURN NEW;
END $$;

CREATE TRIGGER event_organisers_consent
  BEFORE INSERT OR UPDATE ON event_organisers
  FOR EACH ROW EXECUTE FUNCTION event_organisers_consent();

-- Every answer is in the event's history, like every other change to it.
CREATE FUNCTION event_organisers_record_answer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO event_changes (event_id, actor, action, version, revision, changes)
  SELECT e.id, event_changes_actor(), 'updated', e.version, e.revision,
         jsonb_build_object('co_organisers', jsonb_build_object(
           'from', jsonb_build_object('organiser_id', OLD.organiser_id, 'status', OLD.status),
           'to', jsonb_build_object('organiser_id', NEW.organiser_id, 'status', NEW.status)))
  FROM events e WHERE e.id = NEW.event_id;
  RETURN NEW;
END $$;

CREATE TRIGGER event_organisers_record_answer
  AFTER UPDATE OF status ON event_organisers
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION event_organisers_record_answer();

-- URL schemes are case-insensitive (RFC 3986 §3.1): `HTTPS://` passes here as in Swift.
ALTER TABLE organisers
  DROP CONSTRAINT organisers_website_check,
  ADD CONSTRAINT organisers_website_check
    CHECK (length(website) <= 2000 AND website ~* '^https?://');
ALTER TABLE events
  DROP CONSTRAINT events_livestream_url_check,
  ADD CONSTRAINT events_livestream_url_check
    CHECK (length(livestream_url) <= 2000 AND livestream_url ~* '^https?://');
