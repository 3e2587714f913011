-- Accounts (issue 14): users with passwords and a second factor, their memberships of
-- organisers, server-side sessions, single-use links (invitation, verification, reset), and
-- the review of events (submitted, returned) with the edition's cut-off. Every rule that two
-- requests could break, or that a caller could forget, is here: single use of a link, one
-- account per address, sessions ending when the password changes or a membership goes,
-- what the public sees, no deletion after the cut-off.

-- pgcrypto is trusted (PostgreSQL 13 and later): the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- What the public sees, as one rule in one place: published and cancelled events. Drafts,
-- and events submitted for review or returned from it, are the organiser's own. Queries
-- read `events.is_public` (generated from this); triggers call the function.
CREATE FUNCTION event_status_is_public(status text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT $1 IN ('published', 'cancelled') $$;

-- Passwords. bcrypt (pgcrypto's `bf`) at cost 12, its default of 6 being too low. bcrypt
-- reads at most 72 bytes and a password may have 128 characters (up to 512 bytes), so it is
-- hashed what it is given: the SHA-256, in base64 (44 bytes), of the password in Unicode
-- NFKC (the same password typed on two keyboards is the same password). Nothing is cut.
CREATE FUNCTION password_prehash(password text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT encode(sha256(convert_to(normalize(password, NFKC), 'UTF8')), 'base64')
$$;

CREATE FUNCTION password_hash(password text) RETURNS text
  LANGUAGE sql VOLATILE STRICT PARALLEL SAFE AS $$
  SELECT crypt(password_prehash(password), gen_salt('bf', 12))
$$;

-- Whether `password` is the one `stored` was made from. Without a stored hash (no such
-- account, no password set yet) it hashes against a fixed hash of nothing anyone knows,
-- so the answer takes as long either way and is false.
CREATE FUNCTION password_matches(password text, stored text) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(
    crypt(password_prehash(coalesce(password, '')),
          coalesce(stored, '$2a$12$GrPOX.M1KQoL15CKgKkTyeqSU/YaaQRfMF/eXC84SD.GWXKNAssO2'))
      = stored,
    false)
$$;

-- People who sign in: organisers' staff and the programme office. The address rule is
-- Registration.validateEmail's (checked by the store); here its bounds.
CREATE TABLE users (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email                text NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
  name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- NULL until set from an invitation; bcrypt at cost 12 or more.
  password_hash        text CHECK (password_hash ~ '^\$2a\$(1[2-9]|2[0-9]|3[01])\$[./A-Za-z0-9]{53}$'),
  password_changed_at  timestamptz,
  email_verified_at    timestamptz,
  -- The programme office: reviews, approves and returns events of every organiser.
  office               boolean NOT NULL DEFAULT false,
  -- TOTP (RFC 6238): the secret while enrolling and after, enabled once a code proved it;
  -- the last time step used, so that no code is accepted twice.
  totp_secret          bytea CHECK (length(totp_secret) BETWEEN 10 AND 64),
  totp_enabled_at      timestamptz,
  totp_last_step       bigint CHECK (totp_last_step >= 0),
  created_at           timestamptz NOT NULL DEFAULT now(),
  disabled_at          timestamptz,
  CONSTRAINT users_totp_enabled_has_secret CHECK (totp_enabled_at IS NULL OR totp_secret IS NOT NULL)
);
CREATE UNIQUE INDEX users_one_per_email ON users (lower(email));

CREATE TABLE memberships (
  user_id       uuid NOT NULL REFERENCES users ON DELETE CASCADE,
  organiser_id  uuid NOT NULL REFERENCES organisers ON DELETE CASCADE,
  role          text NOT NULL CHECK (role IN ('owner', 'editor')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, organiser_id)
);
CREATE INDEX memberships_by_organiser ON memberships (organiser_id);

-- Recovery codes, each usable once. They have 50 bits or more, less than ASVS's 112 for an
-- unsalted hash, so each is salted (128 random bits) and hashed with SHA-256.
CREATE TABLE recovery_codes (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users ON DELETE CASCADE,
  salt        bytea NOT NULL CHECK (length(salt) = 16),
  code_hash   bytea NOT NULL CHECK (length(code_hash) = 32),
  created_at  timestamptz NOT NULL DEFAULT now(),
  used_at     timestamptz
);
CREATE INDEX recovery_codes_unused ON recovery_codes (user_id) WHERE used_at IS NULL;

-- Server-side sessions. The cookie holds 256 random bits; only their SHA-256 is here. A
-- session is live until it ends, its absolute expiry passes, or it is idle for longer than
-- the caller's timeout (`last_seen_at`, touched at most once a minute).
CREATE TABLE sessions (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash        bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  user_id           uuid NOT NULL REFERENCES users ON DELETE CASCADE,
  created_at        timestamptz NOT NULL DEFAULT now(),
  last_seen_at      timestamptz NOT NULL DEFAULT now(),
  expires_at        timestamptz NOT NULL,
  -- When the second factor was given in this session (TOTP or a recovery code).
  second_factor_at  timestamptz,
  ended_at          timestamptz,
  end_reason        text CHECK (end_reason IN ('signed-out', 'ended', 'password-changed',
                                               'membership-removed', 'disabled')),
  -- For the list of one's sessions: the browser as it names itself, and where from.
  user_agent        text CHECK (length(user_agent) <= 200),
  client_address    text CHECK (length(client_address) <= 64),
  CONSTRAINT sessions_expire_after_start CHECK (expires_at > created_at),
  CONSTRAINT sessions_end_has_reason CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);
CREATE INDEX sessions_live_by_user ON sessions (user_id, created_at) WHERE ended_at IS NULL;
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Every session of a user ends when the password changes (a reset, or a change) or the
-- account is disabled, and when one of their memberships is removed: a trigger, so that no
-- caller can forget it.
CREATE FUNCTION users_end_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.disabled_at IS NOT NULL AND OLD.disabled_at IS NULL THEN
    UPDATE sessions SET ended_at = now(), end_reason = 'disabled'
    WHERE user_id = NEW.id AND ended_at IS NULL;
  ELSIF NEW.password_hash IS DISTINCT FROM OLD.password_hash THEN
    UPDATE sessions SET ended_at = now(), end_reason = 'password-changed'
    WHERE user_id = NEW.id AND ended_at IS NULL;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER users_end_sessions AFTER UPDATE OF password_hash, disabled_at ON users
  FOR EACH ROW EXECUTE FUNCTION users_end_sessions();

CREATE FUNCTION memberships_end_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE sessions SET ended_at = now(), end_reason = 'membership-removed'
  WHERE user_id = OLD.user_id AND ended_at IS NULL;
  RETURN NULL;
END $$;
CREATE TRIGGER memberships_end_sessions AFTER DELETE ON memberships
  FOR EACH ROW EXECUTE FUNCTION memberships_end_sessions();

-- Links mailed to a user: an invitation to an organiser (with the role it gives), the
-- verification of an address (with the organisation a self-registration will create), a
-- password reset. Single use: consumed by `UPDATE … WHERE used_at IS NULL AND revoked_at IS
-- NULL AND expires_at > now() RETURNING`, so two requests cannot both use one. Sending again
-- revokes the live link of that kind. The secret is minted when the message is rendered
-- (OutboxStore), like the registration links: `token_hash` is NULL until then, and no
-- secret is ever stored.
CREATE TABLE account_links (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind               text NOT NULL CHECK (kind IN ('invitation', 'verification', 'reset')),
  token_hash         bytea UNIQUE CHECK (length(token_hash) = 32),
  user_id            uuid NOT NULL REFERENCES users ON DELETE CASCADE,
  organiser_id       uuid REFERENCES organisers ON DELETE CASCADE,
  role               text CHECK (role IN ('owner', 'editor')),
  organisation_name  text CHECK (length(organisation_name) BETWEEN 1 AND 200),
  invited_by         uuid REFERENCES users ON DELETE SET NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  expires_at         timestamptz NOT NULL,
  used_at            timestamptz,
  revoked_at         timestamptz,
  CONSTRAINT account_links_role_with_organiser CHECK ((organiser_id IS NULL) = (role IS NULL)),
  CONSTRAINT account_links_membership_by_invitation CHECK (kind = 'invitation' OR organiser_id IS NULL),
  CONSTRAINT account_links_organisation_by_verification
    CHECK (kind = 'verification' OR organisation_name IS NULL),
  CONSTRAINT account_links_expire_after_creation CHECK (expires_at > created_at)
);
-- One live link per user, kind and organiser.
CREATE UNIQUE INDEX account_links_one_live
  ON account_links (user_id, kind, coalesce(organiser_id, '00000000-0000-0000-0000-000000000000'))
  WHERE used_at IS NULL AND revoked_at IS NULL;

-- Their messages: the outbox row names the link; rendering mints its secret.
ALTER TABLE mail_outbox ADD COLUMN account_link_id uuid REFERENCES account_links ON DELETE CASCADE;
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check
  CHECK (kind IN ('signup', 'promotion', 'cancellation', 'change', 'event-cancelled', 'links',
                  'invitation', 'password-reset', 'confirm', 'already', 'verification'));
CREATE INDEX mail_outbox_by_account_link ON mail_outbox (account_link_id);

-- The audit trail names the user who acted, besides the token or command (`actor`). The
-- store names them per transaction with set_config('almedalen.user_id', …, true); every
-- insert into event_changes, by any trigger, takes it from there.
CREATE FUNCTION event_changes_user() RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT nullif(current_setting('almedalen.user_id', true), '')::uuid
$$;
ALTER TABLE event_changes
  ADD COLUMN user_id uuid REFERENCES users ON DELETE SET NULL DEFAULT event_changes_user();

-- Review: an organiser submits an event; the office approves it (it is published) or
-- returns it with a reason; a returned event is submitted again.
ALTER TABLE events DROP CONSTRAINT events_status_check;
ALTER TABLE events ADD CONSTRAINT events_status_check
  CHECK (status IN ('draft', 'submitted', 'returned', 'published', 'cancelled'));
ALTER TABLE events
  ADD COLUMN submitted_at timestamptz,
  ADD COLUMN review_reason text CHECK (length(review_reason) BETWEEN 1 AND 2000),
  ADD COLUMN is_public boolean GENERATED ALWAYS AS (event_status_is_public(status)) STORED,
  ADD CONSTRAINT events_returned_has_reason CHECK ((status = 'returned') = (review_reason IS NOT NULL));
CREATE INDEX events_review_queue ON events (submitted_at, id) WHERE status = 'submitted';

-- After its cut-off an edition's published events cannot be deleted, only cancelled.
ALTER TABLE editions ADD COLUMN cutoff_at timestamptz;

-- The life of an event, as 001's, with review: the steps allowed are these, and no other.
CREATE OR REPLACE FUNCTION events_versioning() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.version := OLD.version + 1;
  NEW.updated_at := now();
  IF NEW.starts_at IS DISTINCT FROM OLD.starts_at
     OR NEW.ends_at IS DISTINCT FROM OLD.ends_at
     OR NEW.venue_id IS DISTINCT FROM OLD.venue_id
     OR NEW.title IS DISTINCT FROM OLD.title
     OR NEW.status IS DISTINCT FROM OLD.status
     OR NEW.revision IS DISTINCT FROM OLD.revision THEN
    NEW.revision := OLD.revision + 1;
    NEW.revised_at := now();
  END IF;
  IF NEW.status = 'published' AND NOT event_status_is_public(OLD.status) THEN
    NEW.published_at := now();
  ELSIF NEW.status = 'cancelled' AND OLD.status <> 'cancelled' THEN
    NEW.cancelled_at := now();
  ELSIF NEW.status = 'submitted' AND OLD.status <> 'submitted' THEN
    NEW.submitted_at := now();
  END IF;
  -- A reason belongs to the return it explains; the history keeps it.
  IF NEW.status <> 'returned' THEN
    NEW.review_reason := NULL;
  END IF;
  IF OLD.status = 'cancelled' AND NEW.status <> 'cancelled' THEN
    RAISE EXCEPTION 'a cancelled event stays cancelled'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'events_lifecycle', COLUMN = 'status';
  END IF;
  IF event_status_is_public(OLD.status) AND NOT event_status_is_public(NEW.status) THEN
    RAISE EXCEPTION 'a published event cannot return to draft'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'events_lifecycle', COLUMN = 'status';
  END IF;
  IF NEW.status <> OLD.status AND NOT (
       (OLD.status = 'draft' AND NEW.status IN ('submitted', 'published'))
       OR (OLD.status = 'submitted' AND NEW.status IN ('draft', 'returned', 'published'))
       OR (OLD.status = 'returned' AND NEW.status IN ('draft', 'submitted', 'published'))
       OR (OLD.status = 'published' AND NEW.status = 'cancelled')) THEN
    RAISE EXCEPTION 'an event that is % cannot become %', OLD.status, NEW.status
      USING ERRCODE = 'check_violation', CONSTRAINT = 'events_lifecycle', COLUMN = 'status';
  END IF;
  RETURN NEW;
END $$;

-- A published event is never deleted, only cancelled, so that subscribers learn of it; after
-- its edition's cut-off this is the festival's rule too, and the refusal says so.
CREATE OR REPLACE FUNCTION events_keep_published() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  cutoff timestamptz;
BEGIN
  IF event_status_is_public(OLD.status) THEN
    SELECT cutoff_at INTO cutoff FROM editions WHERE id = OLD.edition_id;
    IF cutoff IS NOT NULL AND now() >= cutoff THEN
      RAISE EXCEPTION 'the cut-off of its edition has passed: event % can only be cancelled', OLD.id
        USING ERRCODE = 'check_violation', CONSTRAINT = 'events_cutoff';
    END IF;
    RAISE EXCEPTION 'event % was published: cancel it instead of deleting it', OLD.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'events_lifecycle';
  END IF;
  RETURN OLD;
END $$;

-- The history as 002's: a step into the public programme is 'published' from any private
-- status; the generated and review bookkeeping columns are no change of their own.
CREATE OR REPLACE FUNCTION events_record_change() RETURNS trigger LANGUAGE plpgsql AS $$
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
                       'published_at', 'cancelled_at', 'submitted_at', 'is_public');
  diff := diff || coalesce(nullif(current_setting('almedalen.extra_changes', true), '')::jsonb,
                           '{}'::jsonb);
  IF diff = '{}'::jsonb THEN
    RETURN NEW;
  END IF;
  kind := CASE
    WHEN NOT event_status_is_public(OLD.status) AND NEW.status = 'published' THEN 'published'
    WHEN OLD.status <> 'cancelled' AND NEW.status = 'cancelled' THEN 'cancelled'
    ELSE 'updated' END;
  INSERT INTO event_changes (event_id, actor, action, version, revision, changes)
  VALUES (NEW.id, event_changes_actor(), kind, NEW.version, NEW.revision, diff);
  RETURN NEW;
END $$;
