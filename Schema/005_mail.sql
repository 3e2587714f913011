-- Mail, through a transactional outbox: a message is queued by the same transaction as the
-- change that causes it (by the triggers below, or by the statement that asks for it), so a
-- rolled-back change sends nothing and a committed one is never forgotten. Senders in any
-- number of server processes claim due rows with FOR UPDATE SKIP LOCKED and a lease.
--
-- A row is rendered once, when it is first claimed, into `message` (the MailMessage as
-- JSON, with its Message-ID): every retry, and the duplicate a crash between the relay's
-- 250 and the marking may cause, sends the same bytes. Links with secrets are minted at
-- rendering; the body is dropped once sent.
CREATE TABLE mail_outbox (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind             text NOT NULL CHECK (kind IN ('signup', 'promotion', 'cancellation', 'change',
                                                 'event-cancelled', 'links', 'invitation',
                                                 'password-reset')),
  recipient        text NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254),
  registration_id  uuid REFERENCES registrations ON DELETE CASCADE,
  event_id         uuid REFERENCES events ON DELETE CASCADE,
  -- What rendering needs besides the current rows: the status a sign-up had, the time and
  -- place before a change, the texts of an invitation. Never a secret.
  payload          jsonb NOT NULL DEFAULT '{}',
  message          jsonb,
  message_id       text UNIQUE CHECK (length(message_id) <= 300),
  state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
  not_before       timestamptz NOT NULL DEFAULT now(),
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error       text CHECK (length(last_error) <= 1000),
  claimed_until    timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz,
  CHECK ((state = 'sent') = (sent_at IS NOT NULL)),
  CHECK (state <> 'sent' OR message IS NULL)
);
CREATE INDEX mail_outbox_due ON mail_outbox (not_before, id) WHERE state = 'pending';
CREATE INDEX mail_outbox_by_registration ON mail_outbox (registration_id);
CREATE INDEX mail_outbox_by_recipient ON mail_outbox (lower(recipient));
-- One change message waits per registration: later edits within the window join it.
CREATE UNIQUE INDEX mail_outbox_one_waiting_change ON mail_outbox (registration_id)
  WHERE kind = 'change' AND message IS NULL AND state = 'pending';

-- Cancel links: every message that carries one mints a new secret, so that sending the
-- links again never needs a stored secret. SHA-256 only, as for the calendar links.
CREATE TABLE registration_tokens (
  token_hash       bytea PRIMARY KEY CHECK (length(token_hash) = 32),
  registration_id  uuid NOT NULL REFERENCES registrations ON DELETE CASCADE,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registration_tokens_by_registration ON registration_tokens (registration_id);
INSERT INTO registration_tokens (token_hash, registration_id)
  SELECT token_hash, id FROM registrations WHERE token_hash IS NOT NULL;

-- A sign-up is confirmed, or waitlisted at a position.
CREATE FUNCTION registrations_mail_signup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.email IS NOT NULL THEN
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
CREATE TRIGGER registrations_mail_signup AFTER INSERT ON registrations
  FOR EACH ROW EXECUTE FUNCTION registrations_mail_signup();

-- Off the waitlist into a seat; or cancelled by the attendee.
CREATE FUNCTION registrations_mail_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.email IS NULL THEN
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
CREATE TRIGGER registrations_mail_status AFTER UPDATE OF status ON registrations
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION registrations_mail_status();

-- A published event moves (time or place) or is cancelled: everyone registered is told. A
-- move waits for the coalescing window (the sender's setting) from the first edit and keeps
-- the time and place before it, so the message shows the final state, or is dropped when
-- the event is back where it was. A cancellation replaces a move not yet sent.
CREATE FUNCTION events_mail_attendees() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'published' AND NEW.status = 'cancelled' THEN
    DELETE FROM mail_outbox
    WHERE event_id = NEW.id AND kind = 'change' AND message IS NULL AND state = 'pending';
    INSERT INTO mail_outbox (kind, recipient, registration_id, event_id)
    SELECT 'event-cancelled', r.email, r.id, NEW.id FROM registrations r
    WHERE r.event_id = NEW.id AND r.status IN ('confirmed', 'waitlisted') AND r.email IS NOT NULL;
  ELSIF OLD.status = 'published' AND NEW.status = 'published'
        AND (NEW.starts_at IS DISTINCT FROM OLD.starts_at
             OR NEW.ends_at IS DISTINCT FROM OLD.ends_at
             OR NEW.venue_id IS DISTINCT FROM OLD.venue_id) THEN
    INSERT INTO mail_outbox (kind, recipient, registration_id, event_id, payload)
    SELECT 'change', r.email, r.id, NEW.id, jsonb_build_object(
      'starts_at', OLD.starts_at, 'ends_at', OLD.ends_at, 'venue_id', OLD.venue_id)
    FROM registrations r
    WHERE r.event_id = NEW.id AND r.status IN ('confirmed', 'waitlisted') AND r.email IS NOT NULL
    ON CONFLICT (registration_id) WHERE kind = 'change' AND message IS NULL AND state = 'pending'
    DO NOTHING;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER events_mail_attendees AFTER UPDATE OF status, starts_at, ends_at, venue_id
  ON events FOR EACH ROW EXECUTE FUNCTION events_mail_attendees();

-- Senders wake at once rather than at their next poll.
CREATE FUNCTION mail_outbox_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('almedalen_mail', '');
  RETURN NULL;
END $$;
CREATE TRIGGER mail_outbox_queued AFTER INSERT ON mail_outbox
  FOR EACH STATEMENT EXECUTE FUNCTION mail_outbox_queued();
