-- Feeds: a small stable number per event and person (frab's schedule wants integer ids),
-- and a notification whenever anything a feed shows changes, so that every server process
-- can drop its cached feed bytes (LISTEN almedalen_programme).

ALTER TABLE events ADD COLUMN number integer GENERATED ALWAYS AS IDENTITY;
ALTER TABLE events ADD CONSTRAINT events_number_unique UNIQUE (number);
ALTER TABLE people ADD COLUMN number integer GENERATED ALWAYS AS IDENTITY;
ALTER TABLE people ADD CONSTRAINT people_number_unique UNIQUE (number);

-- One notification per statement, and PostgreSQL folds identical notifications of one
-- transaction into one, delivered at commit: a bulk load wakes the listeners once.
CREATE FUNCTION programme_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('almedalen_programme', '');
  RETURN NULL;
END $$;

CREATE TRIGGER events_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION programme_changed();
CREATE TRIGGER event_organisers_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON event_organisers FOR EACH STATEMENT EXECUTE FUNCTION programme_changed();
CREATE TRIGGER panels_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON panels
  FOR EACH STATEMENT EXECUTE FUNCTION programme_changed();
CREATE TRIGGER participations_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON participations FOR EACH STATEMENT EXECUTE FUNCTION programme_changed();
CREATE TRIGGER venues_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON venues
  FOR EACH STATEMENT EXECUTE FUNCTION programme_changed();
CREATE TRIGGER organisers_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organisers
  FOR EACH STATEMENT EXECUTE FUNCTION programme_changed();
CREATE TRIGGER people_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON people
  FOR EACH STATEMENT EXECUTE FUNCTION programme_changed();
CREATE TRIGGER editions_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON editions
  FOR EACH STATEMENT EXECUTE FUNCTION programme_changed();
