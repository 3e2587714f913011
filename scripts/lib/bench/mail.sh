# shellcheck shell=bash
# `scripts/bench mail`: sourced by scripts/bench (its header says what is measured and how),
# whose helpers it uses: build_release, start_almedalen, stop_pid, admin_api, signup_event,
# json_get, median, ratio, report, and PIDS, WORK, ROOT, BIN.

MAIL_PSQL=""
MAIL_SINK_PORT=""
MAIL_SINK_PID=""
MAIL_PY=""

# mail_sql SQL: runs SQL (one or more statements) on $DATABASE_URL; prints what it selects.
mail_sql() {
  "$MAIL_PSQL" "$DATABASE_URL" -XqAt -F ' ' -v ON_ERROR_STOP=1 -c "$1"
}

# mail_restore N: the outbox holds exactly the first N rows of bench_outbox, pending, never
# tried, due now (then VACUUM, so that every run finds the table alike).
mail_restore() {
  "$MAIL_PSQL" "$DATABASE_URL" -XqAt -v ON_ERROR_STOP=1 >/dev/null <<SQL || die "restoring $1 outbox rows failed"
BEGIN;
DELETE FROM mail_outbox;
INSERT INTO mail_outbox OVERRIDING SYSTEM VALUE SELECT * FROM bench_outbox ORDER BY id LIMIT $1;
UPDATE mail_outbox SET state = 'pending', attempts = 0, not_before = now(), claimed_until = NULL,
  last_error = NULL, sent_at = NULL;
COMMIT;
VACUUM ANALYZE mail_outbox;
SQL
}

# mail_states: prints "pending sent failed" of the outbox.
mail_states() {
  mail_sql "SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'sent'),
                   count(*) FILTER (WHERE state = 'failed') FROM mail_outbox"
}

# mail_sink_start DIR: the sink on $MAIL_SINK_PORT writing into DIR (new), until it greets.
mail_sink_start() {
  mkdir -p "$1"
  "$MAIL_SINK_PYTHON" "$MAIL_SINK_SCRIPT" --port "$MAIL_SINK_PORT" --out "$1" >>"$WORK/sink.log" 2>&1 &
  MAIL_SINK_PID=$!
  PIDS+=("$MAIL_SINK_PID")
  python3 "$MAIL_PY" wait-smtp --port "$MAIL_SINK_PORT" || die "the SMTP sink did not start (log: $(tail -n 5 "$WORK/sink.log"))"
}

mail_sink_stop() {
  [[ -z $MAIL_SINK_PID ]] || stop_pid "$MAIL_SINK_PID"
  MAIL_SINK_PID=""
}

# mail_count DIR: prints "files unique" of the sink's messages in DIR.
mail_count() {
  sleep 0.3 # the last message's file
  python3 "$MAIL_PY" count "$1" | awk '{print $2, $4}'
}

# mail_send LOG [TRANSPORT]: one `almedalen mail send` to the sink (or to TRANSPORT, e.g.
# maildir:PATH); its output appended to LOG; prints its last line.
mail_send() {
  local out status=0
  out=$(cd "$ROOT" && env ALMEDALEN_MAIL="${2:-smtp://127.0.0.1:$MAIL_SINK_PORT}" \
    ALMEDALEN_MAIL_BACKOFF="$MAIL_BACKOFF" ALMEDALEN_PUBLIC_URL=https://almedalen.test \
    "$BIN" mail send 2>>"$1") || status=$?
  printf '%s\n' "$out" >>"$1"
  ((status == 0)) || echo "(exit $status)" >>"$1"
  tail -n 1 <<<"$out"
}

# seconds_since T0: EPOCHREALTIME now minus T0, three decimals.
seconds_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.3f", b - a}'; }

# mail_wait_drained LIMIT: until no outbox row is pending (every 0.2 s, LIMIT seconds at most).
mail_wait_drained() {
  local started=$EPOCHREALTIME pending _sent _failed
  while :; do
    read -r pending _sent _failed < <(mail_states)
    ((pending == 0)) && return 0
    (($(awk -v s="$(seconds_since "$started")" -v l="$1" 'BEGIN {print (s > l)}'))) &&
      die "the outbox still has $pending rows pending after $1 s"
    sleep 0.2
  done
}

# mail_check_drained ROUND LABEL DIR: every row sent, none failed, and the sink holds each
# Message-ID; prints "duplicates".
mail_check_drained() {
  local pending sent failed files unique
  read -r pending sent failed < <(mail_states)
  ((pending == 0 && failed == 0 && sent == MAIL_BACKLOG)) ||
    die "mail $2 round $1: outbox pending=$pending sent=$sent failed=$failed, not sent=$MAIL_BACKLOG"
  read -r files unique < <(mail_count "$3")
  ((unique == MAIL_BACKLOG)) ||
    die "mail $2 round $1: the sink holds $unique distinct Message-IDs ($files files), not $MAIL_BACKLOG"
  echo $((files - unique))
}

bench_mail() {
  local load_before
  load_before=$(uptime)
  ((MAIL_MESSAGES <= MAIL_BACKLOG)) ||
    die "BENCH_MAIL_MESSAGES ($MAIL_MESSAGES) must not exceed BENCH_MAIL_BACKLOG ($MAIL_BACKLOG)"
  build_release
  ensure_mail_sink
  MAIL_PY=$ROOT/scripts/lib/bench/mail.py
  stop_servers
  if [[ -e $WORK/pgdata ]]; then
    stop_cluster "$WORK/pgdata"
    rm -rf "$WORK/pgdata"
  fi
  start_cluster "$WORK/pgdata" --unsafe >/dev/null
  MAIL_PSQL=$(pg_bindir)/psql
  log "almedalen migrate; almedalen seed demo; almedalen token create --role admin --name bench"
  (cd "$ROOT" && "$BIN" migrate) 2>"$WORK/migrate.log" || die "almedalen migrate failed: $(tail -n 5 "$WORK/migrate.log")"
  (cd "$ROOT" && "$BIN" seed demo) >"$WORK/seed-demo.log" 2>&1 || die "almedalen seed demo failed"
  ADMIN_TOKEN=$(cd "$ROOT" && "$BIN" token create --role admin --name bench 2>"$WORK/token.log" | tail -n 1)
  [[ -n $ADMIN_TOKEN ]] || die "almedalen token create printed no token"

  # The backlog, made by the application: sign-ups through the API to a serve that sends
  # nothing (no ALMEDALEN_MAIL).
  start_almedalen mail-queue -u ALMEDALEN_MAIL ALMEDALEN_PUBLIC_URL=https://almedalen.test \
    ALMEDALEN_SIGNUPS_PER_CLIENT=1000000000 ALMEDALEN_MAILS_PER_ADDRESS=1000000000 \
    ALMEDALEN_MAILS_PER_ADDRESS_TOTAL=1000000000
  local queue_pid=$SERVE_PID
  admin_api POST /api/v1/editions 201 \
    '{"year":2027,"name":"Almedalsveckan 2027","first_day":"2027-06-27","last_day":"2027-07-04"}' >/dev/null
  SIGNUP_ORGANISER=$(admin_api GET '/api/v1/organisers?limit=1' 200 | json_get items.0.id)
  mapfile -t SIGNUP_VENUES < <(admin_api GET '/api/v1/venues?limit=500' 200 |
    python3 -c 'import json, sys; [print(v["id"]) for v in json.load(sys.stdin)["items"]]')
  local event queued
  event=$(signup_event 0 "Mejl: köade anmälningar")
  log "queueing $MAIL_BACKLOG sign-up requests through the API (serve without ALMEDALEN_MAIL: nothing is sent), then confirming them in SQL"
  queued=$(python3 "$MAIL_PY" queue --port "$SERVE_PORT" --event "$event" --count "$MAIL_BACKLOG" --threads 8 \
    --prefix mail-bench) || die "queueing the sign-ups failed"
  log "$queued"
  stop_pid "$queue_pid"
  # Each request is a hold with a confirm message queued. The confirmations, in SQL as
  # RegistrationStore.confirm makes them (the attendee, then verified_at on the hold, whose
  # trigger queues the sign-up message); the confirm messages go: the backlog is the sign-up
  # messages, each with its text/calendar attachment.
  mail_sql "BEGIN;
    INSERT INTO attendees (email) SELECT email FROM registrations
      WHERE event_id = '$event' AND verified_at IS NULL ON CONFLICT (lower(email)) DO NOTHING;
    UPDATE registrations r SET verified_at = clock_timestamp(), expires_at = NULL, attendee_id = a.id,
      updated_at = now()
      FROM attendees a WHERE r.event_id = '$event' AND r.verified_at IS NULL AND lower(a.email) = lower(r.email);
    DELETE FROM mail_outbox WHERE event_id = '$event' AND kind = 'confirm';
    COMMIT;" >/dev/null || die "confirming the requests in SQL failed"
  local rows pending_rows
  read -r rows pending_rows < <(mail_sql "SELECT count(*), count(*) FILTER (WHERE state = 'pending')
    FROM mail_outbox WHERE event_id = '$event' AND kind = 'signup'")
  ((rows == MAIL_BACKLOG && pending_rows == MAIL_BACKLOG)) ||
    die "the outbox holds $rows sign-up messages for the event ($pending_rows pending), not $MAIL_BACKLOG"
  mail_sql "CREATE TABLE bench_outbox AS SELECT * FROM mail_outbox WHERE event_id = '$event' AND kind = 'signup'" >/dev/null
  local columns
  columns=$(mail_sql "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns
    WHERE table_name = 'mail_outbox'")
  log "outbox copied aside (bench_outbox, $rows rows; columns $columns)"

  MAIL_SINK_PORT=$(free_port)
  local round t0 out last seconds files unique
  local send_log=$WORK/mail-send.log
  # --- a. throughput ---------------------------------------------------------------------
  log "warming up: one untimed round of each"
  mail_restore "$MAIL_MESSAGES"
  mail_sink_start "$WORK/mail/warm-ours"
  last=$(mail_send "$send_log")
  [[ $last == "sent=$MAIL_MESSAGES temporary=0 permanent=0" ]] ||
    die "almedalen mail send (warm-up) ended with '$last', not sent=$MAIL_MESSAGES temporary=0 permanent=0 (log: $send_log)"
  mail_sink_stop
  local bytes
  bytes=$(cat "$WORK"/mail/warm-ours/*.eml | wc -c)
  mail_sink_start "$WORK/mail/warm-ref"
  python3 "$MAIL_PY" smtplib --port "$MAIL_SINK_PORT" --dir "$WORK/mail/warm-ours" --count "$MAIL_MESSAGES" >/dev/null ||
    die "the smtplib reference failed"
  mail_sink_stop

  : >"$WORK/mail.ours" && : >"$WORK/mail.ref" && : >"$WORK/mail.maildir"
  for round in $(seq 1 "$MAIL_ROUNDS"); do
    mail_restore "$MAIL_MESSAGES"
    mail_sink_start "$WORK/mail/ours-$round"
    t0=$EPOCHREALTIME
    last=$(mail_send "$send_log")
    seconds=$(seconds_since "$t0")
    [[ $last == "sent=$MAIL_MESSAGES temporary=0 permanent=0" ]] ||
      die "almedalen mail send (round $round) ended with '$last' (log: $send_log)"
    read -r files unique < <(mail_count "$WORK/mail/ours-$round")
    ((unique == MAIL_MESSAGES)) || die "round $round: the sink got $unique distinct Message-IDs ($files files), not $MAIL_MESSAGES"
    mail_sink_stop
    echo "$(awk -v n="$MAIL_MESSAGES" -v s="$seconds" 'BEGIN {printf "%.1f", n / s}') $seconds" >>"$WORK/mail.ours"

    mail_sink_start "$WORK/mail/ref-$round"
    out=$(python3 "$MAIL_PY" smtplib --port "$MAIL_SINK_PORT" --dir "$WORK/mail/ours-$round" --count "$MAIL_MESSAGES") ||
      die "the smtplib reference failed (round $round)"
    read -r files unique < <(mail_count "$WORK/mail/ref-$round")
    ((files == MAIL_MESSAGES)) || die "round $round: the sink got $files messages from smtplib, not $MAIL_MESSAGES"
    mail_sink_stop
    seconds=$(awk '{print $4}' <<<"$out")
    echo "$(awk -v n="$MAIL_MESSAGES" -v s="$seconds" 'BEGIN {printf "%.1f", n / s}') $seconds" >>"$WORK/mail.ref"
    # Where our time goes: the same pass into a Maildir (claim, render, write, mark; no SMTP).
    mail_restore "$MAIL_MESSAGES"
    t0=$EPOCHREALTIME
    last=$(mail_send "$send_log" "maildir:$WORK/mail/maildir-$round")
    seconds=$(seconds_since "$t0")
    [[ $last == "sent=$MAIL_MESSAGES temporary=0 permanent=0" ]] ||
      die "almedalen mail send to a Maildir (round $round) ended with '$last' (log: $send_log)"
    echo "$(awk -v n="$MAIL_MESSAGES" -v s="$seconds" 'BEGIN {printf "%.1f", n / s}') $seconds" >>"$WORK/mail.maildir"
    log "round $round: almedalen mail send $(tail -n 1 "$WORK/mail.ours" | cut -d' ' -f1) messages/s," \
      "smtplib $(tail -n 1 "$WORK/mail.ref" | cut -d' ' -f1) messages/s;" \
      "mail send into a Maildir $(tail -n 1 "$WORK/mail.maildir" | cut -d' ' -f1) messages/s"
  done
  local our_rate ref_rate maildir_rate
  maildir_rate=$(cut -d' ' -f1 "$WORK/mail.maildir" | median)
  our_rate=$(cut -d' ' -f1 "$WORK/mail.ours" | median)
  ref_rate=$(cut -d' ' -f1 "$WORK/mail.ref" | median)

  # --- b. drain after an outage ----------------------------------------------------------
  : >"$WORK/drain.serve" && : >"$WORK/drain.send"
  local tried duplicates passes first
  for round in $(seq 1 "$MAIL_DRAIN_ROUNDS"); do
    # serve's sender
    mail_restore "$MAIL_BACKLOG"
    start_almedalen "mail-drain-$round" ALMEDALEN_MAIL="smtp://127.0.0.1:$MAIL_SINK_PORT" \
      ALMEDALEN_MAIL_BACKOFF="$MAIL_BACKOFF" ALMEDALEN_PUBLIC_URL=https://almedalen.test
    local drain_pid=$SERVE_PID
    sleep "$MAIL_OUTAGE"
    tried=$(mail_sql "SELECT count(*) FILTER (WHERE attempts > 0) FROM mail_outbox")
    mail_sink_start "$WORK/mail/drain-serve-$round"
    t0=$EPOCHREALTIME
    mail_wait_drained 900
    seconds=$(seconds_since "$t0")
    stop_pid "$drain_pid"
    duplicates=$(mail_check_drained "$round" serve "$WORK/mail/drain-serve-$round")
    mail_sink_stop
    echo "$seconds $tried $duplicates" >>"$WORK/drain.serve"
    log "round $round: serve drained $MAIL_BACKLOG in $seconds s after the sink came back" \
      "($tried rows tried during the ${MAIL_OUTAGE} s outage; $duplicates duplicates)"

    # almedalen mail send
    mail_restore "$MAIL_BACKLOG"
    t0=$EPOCHREALTIME
    first=$(mail_send "$send_log")
    local outage_pass
    outage_pass=$(seconds_since "$t0")
    mail_sink_start "$WORK/mail/drain-send-$round"
    t0=$EPOCHREALTIME
    passes=0
    while :; do
      last=$(mail_send "$send_log")
      passes=$((passes + 1))
      read -r pending_rows _ _ < <(mail_states)
      ((pending_rows == 0)) && break
      ((passes < 1000)) || die "almedalen mail send: $pending_rows rows still pending after 1000 passes"
      sleep 0.2
    done
    seconds=$(seconds_since "$t0")
    duplicates=$(mail_check_drained "$round" send "$WORK/mail/drain-send-$round")
    mail_sink_stop
    echo "$seconds $passes $duplicates $outage_pass $first" >>"$WORK/drain.send"
    log "round $round: mail send drained $MAIL_BACKLOG in $seconds s after the sink came back ($passes passes;" \
      "the pass against the dead port took $outage_pass s and said '$first'; $duplicates duplicates)"
  done
  local serve_median send_median
  serve_median=$(cut -d' ' -f1 "$WORK/drain.serve" | median)
  send_median=$(cut -d' ' -f1 "$WORK/drain.send" | median)

  local per_message=$((bytes / MAIL_MESSAGES))
  report "mail: $COMMAND_LINE (BENCH_MAIL_MESSAGES=$MAIL_MESSAGES BENCH_MAIL_ROUNDS=$MAIL_ROUNDS BENCH_MAIL_BACKLOG=$MAIL_BACKLOG BENCH_MAIL_DRAIN_ROUNDS=$MAIL_DRAIN_ROUNDS BENCH_MAIL_OUTAGE=$MAIL_OUTAGE BENCH_MAIL_BACKOFF=$MAIL_BACKOFF)"
  report "mail: data: $MAIL_BACKLOG sign-up requests through the API ($queued, each 202) to serve without ALMEDALEN_MAIL, confirmed in SQL as RegistrationStore.confirm does (the trigger queues the sign-up messages; the confirm messages deleted); their outbox rows copied aside and restored by SQL before each run; sign-up messages with a text/calendar attachment, $per_message bytes each on average; sink $(basename "$MAIL_SINK_SCRIPT") (aiosmtpd $("$MAIL_SINK_PYTHON" -c 'import aiosmtpd; print(aiosmtpd.__version__)'), a file per message)"
  report "mail: a. $MAIL_MESSAGES queued messages, $MAIL_ROUNDS alternating rounds (after one untimed each), medians"
  report "mail: a. almedalen mail send (process start to exit)  $our_rate messages/s (rounds: $(cut -d' ' -f1 "$WORK/mail.ours" | tr '\n' ' '))"
  report "mail: a. python smtplib, one connection, same bytes   $ref_rate messages/s (rounds: $(cut -d' ' -f1 "$WORK/mail.ref" | tr '\n' ' '))"
  report "mail: a. ratio almedalen/smtplib = $(ratio "$our_rate" "$ref_rate")"
  report "mail: a. (where the time goes) almedalen mail send into a Maildir, no SMTP: $maildir_rate messages/s (rounds: $(cut -d' ' -f1 "$WORK/mail.maildir" | tr '\n' ' '))"
  report "mail: b. drain of $MAIL_BACKLOG after an outage (ALMEDALEN_MAIL_BACKOFF=$MAIL_BACKOFF), from the sink's first 220 to no row pending, $MAIL_DRAIN_ROUNDS rounds, medians"
  report "mail: b. serve's sender: $serve_median s, $(awk -v n="$MAIL_BACKLOG" -v s="$serve_median" 'BEGIN {printf "%.0f", n / s}') messages/s (rounds: $(cut -d' ' -f1 "$WORK/drain.serve" | tr '\n' ' ')s; rows tried during the ${MAIL_OUTAGE} s outage: $(cut -d' ' -f2 "$WORK/drain.serve" | tr '\n' ' '); duplicates: $(cut -d' ' -f3 "$WORK/drain.serve" | tr '\n' ' '))"
  report "mail: b. almedalen mail send, repeated: $send_median s, $(awk -v n="$MAIL_BACKLOG" -v s="$send_median" 'BEGIN {printf "%.0f", n / s}') messages/s (rounds: $(cut -d' ' -f1 "$WORK/drain.send" | tr '\n' ' ')s; passes: $(cut -d' ' -f2 "$WORK/drain.send" | tr '\n' ' '); the pass against the dead port: $(cut -d' ' -f4- "$WORK/drain.send" | tr '\n' ';'))"
  report "mail: load before: ${load_before#*load average: }; after: $(uptime | sed 's/.*load average: //') (2-core machine, shared)"
}
