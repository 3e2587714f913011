-- A sign-up proves its address before it is tied to anything (double opt-in). A request
-- holds a seat, or a waitlist place, at once, unverified, until `expires_at`; the mail to
-- the address carries the link whose page confirms it (by POST: mail scanners fetch
-- links). Confirmed, it is linked to the attendee, whose calendar and page then show it.
-- Unverified holds are never linked to an attendee, so a request with someone else's
-- address shows nothing of theirs and changes nothing they see, but one mail.
ALTER TABLE registrations ADD COLUMN verified_at timestamptz;
ALTER TABLE registrations ADD COLUMN expires_at timestamptz;
-- What exists today was signed up before proof was asked for: it stays confirmed.
UPDATE registrations SET verified_at = created_at;
ALTER TABLE registrations ADD CONSTRAINT registrations_hold_expires
  CHECK (verified_at IS NOT NULL OR expires_at IS NOT NULL);
ALTER TABLE registrations DROP CONSTRAINT registrations_attendee_until_erased;
ALTER TABLE registrations ADD CONSTRAINT registrations_attendee_until_erased
  CHECK (erased_at IS NOT NULL OR attendee_id IS NOT NULL OR verified_at IS NULL);
ALTER TABLE registrations ADD CONSTRAINT registrations_hold_has_no_attendee
  CHECK (verified_at IS NOT NULL OR attendee_id IS NULL);
-- Secrets live in registration_tokens now (each message mints its own).
ALTER TABLE registrations ALTER COLUMN token_hash DROP NOT NULL;
-- One live proven sign-up per email and event; holds may be many (each expires).
DROP INDEX registrations_one_per_email;
CREATE UNIQUE INDEX registrations_one_per_email
  ON registrations (event_id, lower(email))
  WHERE status <> 'cancelled' AND email IS NOT NULL AND verified_at IS NOT NULL;
CREATE INDEX registrations_holds ON registrations (expires_at)
  WHERE verified_at IS NULL AND status <> 'cancelled';

-- The messages of a request: the link to confirm, or, for an address already signed up for
-- the seminar, its links again.
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check
  CHECK (kind IN ('signup', 'promotion', 'cancellation', 'change', 'event-cancelled', 'links',
                  'invitation', 'password-reset', 'confirm', 'already'));

-- The sign-up message is sent when the address is proven (or at once when it was proven
-- already, by the attendee's own link); promotions and cancellations only for proven ones.
CREATE OR REPLACE FUNCTION registrations_mail_signup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.email IS NOT NULL AND NEW.verified_at IS NOT NULL
     AND (TG_OP = 'INSERT' OR OLD.verified_at IS NULL) AND NEW.status <> 'cancelled' THEN
    INSERT INTO mail_outbox (kind, recipient, registration_id, event_id, payload)
    VALUES ('signup', NEW.email, NEW.id, NEW.event_id, jsonb_build_object(
      'status', NEW.status,
      'position', CASE WHEN NEW.status = 'waitlisted' THEN (
        SELECT count(*) FROM registrations
        WHERE event_id = NEW.event_id AND status = 'waitlisted' AND arrival <= NEW.arrival)
      END));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER registrations_mail_verified AFTER UPDATE OF verified_at ON registrations
  FOR EACH ROW EXECUTE FUNCTION registrations_mail_signup();

CREATE OR REPLACE FUNCTION registrations_mail_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.email IS NULL OR NEW.verified_at IS NULL THEN
    RETURN NULL;
  ELSIF OLD.status = 'waitlisted' AND NEW.status = 'confirmed' THEN
    INSERT INTO mail_outbox (kind, recipient, registration_id, event_id)
    VALUES ('promotion', NEW.email, NEW.id, NEW.event_id);
  ELSIF OLD.status <> 'cancelled' AND NEW.status = 'cancelled' THEN
    INSERT INTO mail_outbox (kind, recipient, registration_id, event_id)
    VALUES ('cancellation', NEW.email, NEW.id, NEW.event_id);
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION events_mail_attendees() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'published' AND NEW.status = 'cancelled' THEN
    DELETE FROM mail_outbox
    WHERE event_id = NEW.id AND kind = 'change' AND message IS NULL AND state = 'pending';
    INSERT INTO mail_outbox (kind, recipient, registration_id, event_id)
    SELECT 'event-cancelled', r.email, r.id, NEW.id FROM registrations r
    WHERE r.event_id = NEW.id AND r.status IN ('confirmed', 'waitlisted') AND r.email IS NOT NULL
      AND r.verified_at IS NOT NULL;
  ELSIF OLD.status = 'published' AND NEW.status = 'published'
        AND (NEW.starts_at IS DISTINCT FROM OLD.starts_at
             OR NEW.ends_at IS DISTINCT FROM OLD.ends_at
             OR NEW.venue_id IS DISTINCT FROM OLD.venue_id) THEN
    INSERT INTO mail_outbox (kind, recipient, registration_id, event_id, payload)
    SELECT 'change', r.email, r.id, NEW.id, jsonb_build_object(
      'starts_at', OLD.starts_at, 'ends_at', OLD.ends_at, 'venue_id', OLD.venue_id)
    FROM registrations r
    WHERE r.event_id = NEW.id AND r.status IN ('confirmed', 'waitlisted') AND r.email IS NOT NULL
      AND r.verified_at IS NOT NULL
    ON CONFLICT (registration_id) WHERE kind = 'change' AND message IS NULL AND state = 'pending'
    DO NOTHING;
  END IF;
  RETURN NULL;
END $$;
