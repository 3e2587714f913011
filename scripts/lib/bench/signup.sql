-- pgbench script for `scripts/bench signup`: the SQL of one sign-up, statement for statement
-- as `almedalen serve` sends it for POST /api/v1/events/{id}/registrations
-- (RegistrationRoutes.signUp, RegistrationStore.countAttempt and .register): two rate-limit
-- transactions, then the sign-up in one transaction. Run with -M extended (the server sends
-- every statement through PQexecParams, parameters untyped) and
--   -D event=<event id> -D name='Bench Person' -D client_key=<the server's key for 127.0.0.1>
--   -D client_window=600 -D email_window=3600
-- (the serve defaults of the two windows). Differences from the server, all small:
-- - the email is not one parameter made by the client but an expression written out where
--   the server sends a parameter: 'p' || client_id || '-' || r || '@example.org', with
--   pgbench's client_id and r random in 1..2^63-2 per transaction, so that no email repeats;
-- - the two secrets are random numbers (as text), not 43 base64url characters;
-- - BEGIN/COMMIT go through the extended protocol too (the server: PQexec);
-- - the server's checks of the event's row (status, registration_open, ends_at) are not
--   repeated here; its capacity decides confirmed/waitlisted as the server does.
\set r random(1, 9223372036854775806)
\set secret random(1, 9223372036854775806)
\set calendar_secret random(1, 9223372036854775806)

-- countAttempt(key = "client" + the client's address)
BEGIN ISOLATION LEVEL READ COMMITTED;
INSERT INTO rate_limits AS r (key, window_start, count)
VALUES (encode(sha256(convert_to(:client_key, 'UTF8')), 'hex'),
        to_timestamp(floor(extract(epoch FROM now()) / :client_window) * :client_window), 1)
ON CONFLICT (key, window_start) DO UPDATE SET count = r.count + 1
RETURNING count,
  ceil(extract(epoch FROM window_start) + :client_window - extract(epoch FROM now()))::int AS left;
COMMIT;

-- countAttempt(key = "email" + the lowercased email)
BEGIN ISOLATION LEVEL READ COMMITTED;
INSERT INTO rate_limits AS r (key, window_start, count)
VALUES (encode(sha256(convert_to('email:' || 'p' || :client_id || '-' || :r || '@example.org', 'UTF8')), 'hex'),
        to_timestamp(floor(extract(epoch FROM now()) / :email_window) * :email_window), 1)
ON CONFLICT (key, window_start) DO UPDATE SET count = r.count + 1
RETURNING count,
  ceil(extract(epoch FROM window_start) + :email_window - extract(epoch FROM now()))::int AS left;
COMMIT;

-- register
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT status, registration_open, capacity, ends_at FROM events
WHERE id = :event FOR UPDATE \gset event_
SELECT id, event_id, name, email, status, arrival, revision, created_at, updated_at, erased_at
  FROM registrations
 WHERE event_id = :event AND lower(email) = lower('p' || :client_id || '-' || :r || '@example.org')
   AND status <> 'cancelled';
SELECT count(*)::int AS n FROM registrations WHERE event_id = :event AND status = 'confirmed' \gset confirmed_
INSERT INTO attendees (email) VALUES ('p' || :client_id || '-' || :r || '@example.org')
ON CONFLICT (lower(email)) DO UPDATE SET email = attendees.email RETURNING id \gset attendee_
INSERT INTO calendar_tokens (token_hash, attendee_id)
VALUES (sha256(convert_to(:calendar_secret, 'UTF8')), :attendee_id);
\if :confirmed_n < :event_capacity
INSERT INTO registrations (event_id, name, email, status, token_hash, attendee_id,
                           created_at, updated_at)
VALUES (:event, :name, 'p' || :client_id || '-' || :r || '@example.org', 'confirmed',
        sha256(convert_to(:secret, 'UTF8')), :attendee_id,
        clock_timestamp(), clock_timestamp()) RETURNING
  id, event_id, name, email, status, arrival, revision, created_at, updated_at, erased_at;
\else
INSERT INTO registrations (event_id, name, email, status, token_hash, attendee_id,
                           created_at, updated_at)
VALUES (:event, :name, 'p' || :client_id || '-' || :r || '@example.org', 'waitlisted',
        sha256(convert_to(:secret, 'UTF8')), :attendee_id,
        clock_timestamp(), clock_timestamp()) RETURNING
  id, event_id, name, email, status, arrival, revision, created_at, updated_at, erased_at
\gset registration_
-- the waitlist position (never reached with the benchmark's capacity)
SELECT count(*)::int AS n FROM registrations
WHERE event_id = :event AND status = 'waitlisted' AND arrival <= :registration_arrival;
\endif
COMMIT;
