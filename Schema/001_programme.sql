-- The festival programme: editions, organisers, venues, people, events with panels and
-- participations, registrations and API tokens. Every rule that two concurrent requests
-- could break lives here, in constraints and triggers, not in Swift.

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Shared vocabularies, as domains so that every column using them says the same thing.
CREATE DOMAIN accessibility_feature AS text
  CHECK (VALUE IN ('wheelchair', 'hearing_loop', 'sign_language', 'captions', 'audio_description'));

-- array_to_string is only STABLE in general (element types' output may depend on settings);
-- for text[] it is not, and generated search columns need an IMMUTABLE expression.
CREATE FUNCTION text_array_to_string(text[]) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT array_to_string($1, ' ') $$;

CREATE TABLE editions (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  year        integer NOT NULL UNIQUE CHECK (year BETWEEN 1968 AND 2200),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  first_day   date NOT NULL,
  last_day    date NOT NULL,
  -- The festival is in Visby; every local time is read in this zone.
  time_zone   text NOT NULL DEFAULT 'Europe/Stockholm' CHECK (time_zone = 'Europe/Stockholm'),
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT editions_days_in_order CHECK (last_day >= first_day),
  CONSTRAINT editions_at_most_a_month CHECK (last_day - first_day <= 31),
  CONSTRAINT editions_year_matches CHECK (extract(year FROM first_day) = year)
);

CREATE TABLE organisers (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  contact_email  text CHECK (length(contact_email) <= 254 AND contact_email LIKE '%_@_%'),
  website        text CHECK (length(website) <= 2000 AND website ~ '^https?://'),
  version        integer NOT NULL DEFAULT 1,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organisers_name ON organisers (lower(name));

CREATE TABLE venues (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  address        text CHECK (length(address) <= 300),
  description    text CHECK (length(description) <= 2000),
  latitude       double precision CHECK (latitude BETWEEN -90 AND 90),
  longitude      double precision CHECK (longitude BETWEEN -180 AND 180),
  capacity       integer CHECK (capacity BETWEEN 0 AND 100000),
  accessibility  accessibility_feature[] NOT NULL DEFAULT '{}',
  version        integer NOT NULL DEFAULT 1,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT venues_coordinates_together CHECK ((latitude IS NULL) = (longitude IS NULL))
);

-- One registry of people shared by all organisers. The title and organisation here are
-- defaults; what a person is called at one event belongs to the participation.
CREATE TABLE people (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  title         text CHECK (length(title) <= 300),
  organisation  text CHECK (length(organisation) <= 300),
  party         text CHECK (length(party) <= 20),
  version        integer NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX people_name ON people (lower(name));

CREATE TABLE events (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  edition_id         uuid NOT NULL REFERENCES editions,
  organiser_id       uuid NOT NULL REFERENCES organisers,
  venue_id           uuid REFERENCES venues,
  title              text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  description        text NOT NULL DEFAULT '' CHECK (length(description) <= 20000),
  kind               text NOT NULL DEFAULT 'seminar'
                       CHECK (kind IN ('seminar', 'panel_debate', 'breakfast_seminar',
                                       'lunch_seminar', 'mingle', 'other')),
  starts_at          timestamptz NOT NULL,
  ends_at            timestamptz NOT NULL,
  topics             text[] NOT NULL DEFAULT '{}'
                       CHECK (cardinality(topics) <= 20 AND array_position(topics, NULL) IS NULL),
  languages          text[] NOT NULL DEFAULT '{sv}'
                       CHECK (cardinality(languages) <= 10 AND array_position(languages, NULL) IS NULL),
  accessibility      accessibility_feature[] NOT NULL DEFAULT '{}',
  food_served        boolean NOT NULL DEFAULT false,
  livestream_url     text CHECK (length(livestream_url) <= 2000 AND livestream_url ~ '^https?://'),
  capacity           integer CHECK (capacity BETWEEN 0 AND 100000),
  registration_open  boolean NOT NULL DEFAULT false,
  status             text NOT NULL DEFAULT 'draft'
                       CHECK (status IN ('draft', 'published', 'cancelled')),
  -- Raised by every change a subscriber would care about (time, place, title, status,
  -- participants); calendar feeds use it as SEQUENCE.
  revision           integer NOT NULL DEFAULT 0,
  -- Raised by every change at all; guards updates (optimistic concurrency, ETags).
  version            integer NOT NULL DEFAULT 1,
  -- Where the data came from and what was assumed, for seeded and imported events.
  source_note        text CHECK (length(source_note) <= 2000),
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  -- When `revision` last rose: DTSTAMP and LAST-MODIFIED in feeds.
  revised_at         timestamptz NOT NULL DEFAULT now(),
  published_at       timestamptz,
  cancelled_at       timestamptz,
  search             tsvector GENERATED ALWAYS AS (
                       setweight(to_tsvector('swedish', title), 'A') ||
                       setweight(to_tsvector('swedish', text_array_to_string(topics)), 'B') ||
                       setweight(to_tsvector('swedish', description), 'C')) STORED,
  CONSTRAINT events_ends_after_starts CHECK (ends_at > starts_at),
  CONSTRAINT events_at_most_a_day CHECK (ends_at - starts_at <= interval '24 hours'),
  CONSTRAINT events_cancelled_was_published
    CHECK (status <> 'cancelled' OR published_at IS NOT NULL),
  -- A venue cannot hold two published events at overlapping times. Two publishers racing
  -- for one slot cannot both win: the loser gets exclusion_violation (23P01).
  CONSTRAINT events_venue_double_booked
    EXCLUDE USING gist (venue_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
    WHERE (status = 'published')
);
CREATE INDEX events_by_time ON events (starts_at, id);
CREATE INDEX events_by_edition ON events (edition_id, starts_at);
CREATE INDEX events_by_organiser ON events (organiser_id, starts_at);
CREATE INDEX events_by_venue ON events (venue_id, starts_at);
CREATE INDEX events_by_topic ON events USING gin (topics);
CREATE INDEX events_by_text ON events USING gin (search);

-- Co-organisers, in the order they are named.
CREATE TABLE event_organisers (
  event_id      uuid NOT NULL REFERENCES events ON DELETE CASCADE,
  organiser_id  uuid NOT NULL REFERENCES organisers,
  position      integer NOT NULL CHECK (position >= 0),
  PRIMARY KEY (event_id, organiser_id),
  UNIQUE (event_id, position)
);
CREATE INDEX event_organisers_by_organiser ON event_organisers (organiser_id);

CREATE TABLE panels (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id   uuid NOT NULL REFERENCES events ON DELETE CASCADE,
  position   integer NOT NULL CHECK (position >= 0),
  title      text CHECK (length(title) BETWEEN 1 AND 300),
  starts_at  timestamptz,
  ends_at    timestamptz,
  UNIQUE (event_id, position),
  UNIQUE (event_id, id),
  CONSTRAINT panels_times_together CHECK ((starts_at IS NULL) = (ends_at IS NULL)),
  CONSTRAINT panels_ends_after_starts CHECK (ends_at > starts_at)
);

CREATE TABLE participations (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id      uuid NOT NULL REFERENCES events ON DELETE CASCADE,
  person_id     uuid NOT NULL REFERENCES people,
  panel_id      uuid,
  role          text NOT NULL CHECK (role IN ('moderator', 'panelist', 'speaker')),
  -- What the person is called at this event, as the programme printed it.
  title         text CHECK (length(title) <= 300),
  organisation  text CHECK (length(organisation) <= 300),
  position      integer NOT NULL CHECK (position >= 0),
  -- The panel, when there is one, belongs to the same event.
  FOREIGN KEY (event_id, panel_id) REFERENCES panels (event_id, id) ON DELETE CASCADE,
  UNIQUE (event_id, position),
  CONSTRAINT participations_once_per_role
    UNIQUE NULLS NOT DISTINCT (event_id, person_id, role, panel_id)
);
CREATE INDEX participations_by_person ON participations (person_id);

-- Sign-ups. Name and email are erased after the festival (retention), leaving the counts.
CREATE TABLE registrations (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id      uuid NOT NULL REFERENCES events,
  -- Arrival order: the waitlist is promoted in this order.
  arrival       bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  name          text CHECK (length(name) BETWEEN 1 AND 200),
  email         text CHECK (length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
  status        text NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
  -- SHA-256 of the attendee's secret; the secret itself is never stored.
  token_hash    bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  erased_at     timestamptz,
  CONSTRAINT registrations_personal_data_until_erased
    CHECK (erased_at IS NOT NULL OR (name IS NOT NULL AND email IS NOT NULL)),
  CONSTRAINT registrations_erased_means_empty
    CHECK (erased_at IS NULL OR (name IS NULL AND email IS NULL))
);
-- One live sign-up per email and event.
CREATE UNIQUE INDEX registrations_one_per_email
  ON registrations (event_id, lower(email)) WHERE status <> 'cancelled' AND email IS NOT NULL;
CREATE INDEX registrations_by_event ON registrations (event_id, status, arrival);

CREATE TABLE api_tokens (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name          text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
  role          text NOT NULL CHECK (role IN ('admin', 'organiser')),
  organiser_id  uuid REFERENCES organisers,
  -- SHA-256 of the token; the token itself is shown once and never stored.
  token_hash    bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz,
  CONSTRAINT api_tokens_organiser_role CHECK ((role = 'organiser') = (organiser_id IS NOT NULL))
);

-- Which seed data sets were loaded, so that `almedalen seed` is safe to run twice.
CREATE TABLE seed_batches (
  name       text PRIMARY KEY,
  loaded_at  timestamptz NOT NULL DEFAULT now(),
  summary    text NOT NULL DEFAULT ''
);

-- An event's local days must lie inside its edition's days.
CREATE FUNCTION events_inside_edition() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  edition editions%ROWTYPE;
BEGIN
  SELECT * INTO edition FROM editions WHERE id = NEW.edition_id;
  IF NOT FOUND THEN
    RETURN NEW;  -- the foreign key reports it
  END IF;
  IF (NEW.starts_at AT TIME ZONE edition.time_zone)::date < edition.first_day
     OR ((NEW.ends_at - interval '1 microsecond') AT TIME ZONE edition.time_zone)::date
        > edition.last_day THEN
    RAISE EXCEPTION 'event % lies outside the days of edition % (% to %)',
        NEW.id, edition.year, edition.first_day, edition.last_day
      USING ERRCODE = 'check_violation', CONSTRAINT = 'events_inside_edition',
            COLUMN = 'starts_at', TABLE = 'events';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER events_inside_edition
  BEFORE INSERT OR UPDATE OF starts_at, ends_at, edition_id ON events
  FOR EACH ROW EXECUTE FUNCTION events_inside_edition();

-- Every update raises `version`; a change subscribers care about raises `revision` by
-- exactly one. A statement may also raise `revision` itself (participants changed).
CREATE FUNCTION events_versioning() RETURNS trigger LANGUAGE plpgsql AS $$
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
  IF NEW.status = 'published' AND OLD.status = 'draft' THEN
    NEW.published_at := now();
  ELSIF NEW.status = 'cancelled' AND OLD.status <> 'cancelled' THEN
    NEW.cancelled_at := now();
  END IF;
  IF OLD.status <> 'draft' AND NEW.status = 'draft' THEN
    RAISE EXCEPTION 'a published event cannot return to draft'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'events_lifecycle', COLUMN = 'status';
  END IF;
  IF OLD.status = 'cancelled' AND NEW.status <> 'cancelled' THEN
    RAISE EXCEPTION 'a cancelled event stays cancelled'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'events_lifecycle', COLUMN = 'status';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER events_versioning BEFORE UPDATE ON events
  FOR EACH ROW EXECUTE FUNCTION events_versioning();

-- A published event is never deleted, only cancelled, so that subscribers learn of it.
CREATE FUNCTION events_keep_published() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status <> 'draft' THEN
    RAISE EXCEPTION 'event % was published: cancel it instead of deleting it', OLD.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'events_lifecycle';
  END IF;
  RETURN OLD;
END $$;

CREATE TRIGGER events_keep_published BEFORE DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION events_keep_published();

-- A panel's own times lie inside its event's.
CREATE FUNCTION panels_inside_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  event_row events%ROWTYPE;
BEGIN
  IF NEW.starts_at IS NULL THEN
    RETURN NEW;
  END IF;
  SELECT * INTO event_row FROM events WHERE id = NEW.event_id;
  IF FOUND AND (NEW.starts_at < event_row.starts_at OR NEW.ends_at > event_row.ends_at) THEN
    RAISE EXCEPTION 'panel times lie outside event %', NEW.event_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'panels_inside_event',
            COLUMN = 'starts_at', TABLE = 'panels';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER panels_inside_event BEFORE INSERT OR UPDATE ON panels
  FOR EACH ROW EXECUTE FUNCTION panels_inside_event();
