-- Attendees: one per email, so that one secret calendar link shows all of a person's
-- sign-ups. Erasing a person deletes the attendee and unlinks the registrations, which keep
-- only their status (for headcounts).
CREATE TABLE attendees (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email       text NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX attendees_one_per_email ON attendees (lower(email));

-- Secret links to an attendee's calendar: SHA-256 only. Every sign-up hands out a new one;
-- each shows the same calendar; revoking stops them all.
CREATE TABLE calendar_tokens (
  token_hash   bytea PRIMARY KEY CHECK (length(token_hash) = 32),
  attendee_id  uuid NOT NULL REFERENCES attendees ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz
);
CREATE INDEX calendar_tokens_by_attendee ON calendar_tokens (attendee_id);

ALTER TABLE registrations ADD COLUMN attendee_id uuid REFERENCES attendees ON DELETE SET NULL;
INSERT INTO attendees (email)
  SELECT DISTINCT ON (lower(email)) email FROM registrations WHERE email IS NOT NULL
  ORDER BY lower(email), arrival;
UPDATE registrations r SET attendee_id = a.id
  FROM attendees a WHERE lower(r.email) = lower(a.email);
CREATE INDEX registrations_by_attendee ON registrations (attendee_id);
-- Rises when the status changes (a promotion): the attendee's calendar raises SEQUENCE.
ALTER TABLE registrations ADD COLUMN revision integer NOT NULL DEFAULT 0 CHECK (revision >= 0);
ALTER TABLE registrations ADD CONSTRAINT registrations_attendee_until_erased
  CHECK (erased_at IS NOT NULL OR attendee_id IS NOT NULL);

-- Sign-up attempts per client and per email in fixed windows, shared by every server
-- process. Keys are SHA-256 hex of the address or email, never the value itself.
CREATE TABLE rate_limits (
  key           text NOT NULL CHECK (length(key) <= 100),
  window_start  timestamptz NOT NULL,
  count         integer NOT NULL CHECK (count > 0),
  PRIMARY KEY (key, window_start)
);
