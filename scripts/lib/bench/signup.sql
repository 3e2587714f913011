-- pgbench script for `scripts/bench signup`: the SQL of one sign-up request, statement for
-- statement as `almedalen serve` sends it for POST /api/v1/events/{id}/registrations (the
-- request path: RegistrationRoutes.signUp, RegistrationStore.countAttempt and .request): the
-- per-client rate-limit transaction, then the request in one transaction (lock the event,
-- let go of expired holds, read its capacity, count its seats, insert the hold, look for a
-- confirmed sign-up of the address, count a mail for the address and client and one for the
-- address in rate_limits, queue the
-- confirm message in mail_outbox). Run with -M extended (the server sends every statement
-- through PQexecParams, parameters untyped) and
--   -D event=<event id> -D name='Bench Person' -D client=127.0.0.1
--   -D client_key=<the server's key for 127.0.0.1>
--   -D client_window=600 -D hold=1800
-- (the serve defaults of the client window and of ALMEDALEN_SIGNUP_HOLD_SECONDS).
-- Differences from the server, all small:
-- - the email is not one parameter made by the client but an expression written out where
--   the server sends a parameter: 'p' || client_id || '-' || r || '@example.org', with
--   pgbench's client_id and r random in 1..2^63-2 per transaction, so that no email repeats;
-- - BEGIN/COMMIT go through the extended protocol too (the server: PQexec);
-- - the server's checks of the event's row (status, registration_open, ends_at) are not
--   repeated here; its capacity decides confirmed/waitlisted as the server does; no hold
--   expires during a run (hold 1800 s), so the server's waitlist promotion after expiring
--   (fillFreeSeats, only when some expired) is never sent by either side;
-- - the server reads the mail count (RETURNING count) to decide whether to queue the mail
--   (ALMEDALEN_MAILS_PER_ADDRESS); every address here is new, so it always queues: so does
--   this script.
\set r random(1, 9223372036854775806)

-- countAttempt(key = "client:" + the client's address)
BEGIN ISOLATION LEVEL READ COMMITTED;
INSERT INTO rate_limits AS r (key, window_start, count)
VALUES (encode(sha256(convert_to(:client_key, 'UTF8')), 'hex'),
        to_timestamp(floor(extract(epoch FROM now()) / :client_window) * :client_window), 1)
ON CONFLICT (key, window_start) DO UPDATE SET count = r.count + 1
RETURNING count,
  ceil(extract(epoch FROM window_start) + :client_window - extract(epoch FROM now()))::int AS left;
COMMIT;

-- request
BEGIN ISOLATION LEVEL READ COMMITTED;
-- lockOpenEvent
SELECT status, registration_open, ends_at FROM events WHERE id = :event FOR UPDATE;
-- expireHolds(of:)
UPDATE registrations SET status = 'cancelled', updated_at = now()
WHERE event_id = :event AND verified_at IS NULL AND status <> 'cancelled'
  AND expires_at < clock_timestamp();
SELECT capacity FROM events WHERE id = :event \gset event_
SELECT count(*)::int AS n FROM registrations WHERE event_id = :event AND status = 'confirmed' \gset seated_
\if :seated_n < :event_capacity
INSERT INTO registrations (event_id, name, email, status, created_at, updated_at,
                           expires_at)
VALUES (:event, :name, 'p' || :client_id || '-' || :r || '@example.org', 'confirmed',
        clock_timestamp(), clock_timestamp(),
        clock_timestamp() + :hold * interval '1 second')
RETURNING id \gset hold_
\else
INSERT INTO registrations (event_id, name, email, status, created_at, updated_at,
                           expires_at)
VALUES (:event, :name, 'p' || :client_id || '-' || :r || '@example.org', 'waitlisted',
        clock_timestamp(), clock_timestamp(),
        clock_timestamp() + :hold * interval '1 second')
RETURNING id \gset hold_
\endif
SELECT id FROM registrations
WHERE event_id = :event AND lower(email) = lower('p' || :client_id || '-' || :r || '@example.org')
  AND status <> 'cancelled' AND verified_at IS NOT NULL;
-- countMail: per address and client, then per address
INSERT INTO rate_limits AS r (key, window_start, count)
VALUES (encode(sha256(convert_to('mail:' || lower('p' || :client_id || '-' || :r || '@example.org'), 'UTF8')), 'hex')
          || coalesce(':' || left(encode(sha256(convert_to(:client, 'UTF8')), 'hex'), 32), ''),
        date_trunc('hour', now()), 1)
ON CONFLICT (key, window_start) DO UPDATE SET count = r.count + 1
RETURNING count;
INSERT INTO rate_limits AS r (key, window_start, count)
VALUES (encode(sha256(convert_to('mail:' || lower('p' || :client_id || '-' || :r || '@example.org'), 'UTF8')), 'hex')
          || coalesce(':' || left(encode(sha256(convert_to(NULL, 'UTF8')), 'hex'), 32), ''),
        date_trunc('hour', now()), 1)
ON CONFLICT (key, window_start) DO UPDATE SET count = r.count + 1
RETURNING count;
INSERT INTO mail_outbox (kind, recipient, registration_id, event_id)
VALUES ('confirm', 'p' || :client_id || '-' || :r || '@example.org', :hold_id, :event);
COMMIT;
