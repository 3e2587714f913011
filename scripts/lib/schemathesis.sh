# shellcheck shell=bash
# The schemathesis step of scripts/test: a real `almedalen serve`, on a fresh database with
# the demo programme, tested against its own OpenAPI document (GET /api/v1/openapi.json):
# no 5xx, and every status code, content type, header and body as the document says.
# Source it after common.sh:
#
#   run_schemathesis       needs start_cluster done (DATABASE_URL), LOG_DIR and WORK set,
#                          and scripts/test's counters total/passed/failed/status, to which
#                          it adds one test per API operation (one failure if it breaks
#                          before schemathesis reports)
#   schemathesis_cleanup   stops the server if it still runs; for scripts/test's cleanup
#
# Environment:
#   ALMEDALEN_SCHEMATHESIS_MAX_EXAMPLES  test cases per operation and phase (default 25)
#   ALMEDALEN_SCHEMATHESIS_TIMEOUT       seconds for the schemathesis run (default 600: a loaded two-core machine needed 224 s)
#   ALMEDALEN_SCHEMATHESIS_SEED          hypothesis seed (default fixed, so that runs repeat;
#                                        `random` for a new one each run)
#
# The virtualenv is .venv/ (made here when missing); the version is pinned in
# scripts/lib/requirements-schemathesis.txt. Logs and the JUnit report: $LOG_DIR/schemathesis*.

SCHEMATHESIS_SERVER_PID=""

# What each answer is held to. Left out: positive_data_acceptance (the document cannot say
# every rule: a made-up organiser_id is valid JSON Schema but 422), and
# negative_data_rejection and missing_required_header (neither counts 412 or 428 as a
# rejection, yet a PATCH without If-Match rightly gets 428, RFC 6585, and a bad one 412
# before the body is read, RFC 9110 §13.2.1).
SCHEMATHESIS_CHECKS=not_a_server_error,status_code_conformance,content_type_conformance
SCHEMATHESIS_CHECKS+=,response_headers_conformance,response_schema_conformance
SCHEMATHESIS_CHECKS+=,ignored_auth,unsupported_method
SCHEMATHESIS_CHECKS+=,allow_header_conformance,use_after_free,ensure_resource_availability

# _schemathesis_venv: make .venv/ if needed and install the pinned schemathesis into it.
_schemathesis_venv() {
  local venv=$ALMEDALEN_ROOT/.venv
  local requirements=$ALMEDALEN_ROOT/scripts/lib/requirements-schemathesis.txt
  if [[ ! -x $venv/bin/python ]]; then
    log "creating .venv"
    if ! python3 -m venv "$venv" 2>/dev/null; then
      rm -rf "$venv"
      apt_install python3 python3-venv
      python3 -m venv "$venv"
    fi
  fi
  local pinned
  pinned=$(grep -oE '^schemathesis==[0-9.]+' "$requirements")
  if [[ $("$venv/bin/pip" freeze 2>/dev/null | grep -iE '^schemathesis==' || true) != "$pinned" ]]; then
    log "installing $pinned into .venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements" >&2
  fi
}

schemathesis_cleanup() {
  local pid=$SCHEMATHESIS_SERVER_PID i
  [[ -n $pid ]] || return 0
  SCHEMATHESIS_SERVER_PID=""
  kill -TERM "$pid" 2>/dev/null || return 0
  # It drains in-flight requests and exits; give it a few seconds.
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

run_schemathesis() {
  local st_log=$LOG_DIR/schemathesis.log server_log=$LOG_DIR/schemathesis-server.log
  local junit=$LOG_DIR/schemathesis-junit.xml
  local dir=$WORK/schemathesis db bin url token port base i st_status counts t p f
  local max_examples=${ALMEDALEN_SCHEMATHESIS_MAX_EXAMPLES:-25}
  local seed=${ALMEDALEN_SCHEMATHESIS_SEED:-20260623}
  mkdir -p "$dir" "$LOG_DIR"
  rm -f "$junit"

  # Anything that breaks before schemathesis reports counts as one failed test.
  _schemathesis_broken() {
    printf 'error: schemathesis step: %s\n' "$*" >&2
    schemathesis_cleanup
    total=$((total + 1))
    failed=$((failed + 1))
    ((status != 0)) || status=1
  }

  _schemathesis_venv || {
    _schemathesis_broken "cannot install schemathesis into .venv"
    return 0
  }

  log "building almedalen (swift build --product almedalen)"
  swift_build "$LOG_DIR/schemathesis-build.log" --product almedalen || {
    _schemathesis_broken "swift build --product almedalen failed"
    return 0
  }
  bin="$(swift build --show-bin-path)/almedalen"

  db=schemathesis_$(date +%s)_$$
  "$(pg_bindir)/psql" "$DATABASE_URL" -Xqc "CREATE DATABASE $db" || {
    _schemathesis_broken "cannot create database $db"
    return 0
  }
  url=$(cluster_url "$db")
  log "almedalen migrate, seed demo, token create (database $db; log in $server_log)"
  token=""
  if DATABASE_URL=$url "$bin" migrate >"$server_log" 2>&1 &&
    DATABASE_URL=$url "$bin" seed demo >>"$server_log" 2>&1; then
    # The secret is alone on the last line of stdout.
    token=$(DATABASE_URL=$url "$bin" token create --role admin --name schemathesis \
      2>>"$server_log" | tail -n 1) || token=""
  fi
  if [[ -z $token ]]; then
    tail -n 20 "$server_log" >&2
    _schemathesis_broken "setting up database $db failed"
    return 0
  fi

  port=$(free_port)
  base=http://127.0.0.1:$port
  log "almedalen serve --port $port"
  DATABASE_URL=$url "$bin" serve --host 127.0.0.1 --port "$port" >>"$server_log" 2>&1 &
  SCHEMATHESIS_SERVER_PID=$!
  for ((i = 0; i < 100; i++)); do
    curl -fsS --max-time 2 -o /dev/null "$base/healthz" 2>/dev/null && break
    if ! kill -0 "$SCHEMATHESIS_SERVER_PID" 2>/dev/null; then
      i=100
      break
    fi
    sleep 0.2
  done
  if ((i >= 100)); then
    tail -n 20 "$server_log" >&2
    _schemathesis_broken "almedalen serve did not answer /healthz"
    return 0
  fi

  local -a seed_args=(--seed "$seed")
  [[ $seed != random ]] || seed_args=()
  log "running schemathesis against $base/api/v1/openapi.json (log in $st_log)"
  set +e
  # Run from a scratch directory: schemathesis keeps caches in the working directory.
  (
    cd "$dir" &&
      timeout --kill-after=10s "${ALMEDALEN_SCHEMATHESIS_TIMEOUT:-600}" \
        "$ALMEDALEN_ROOT/.venv/bin/st" run "$base/api/v1/openapi.json" \
        --header "Authorization: Bearer $token" \
        --checks "$SCHEMATHESIS_CHECKS" \
        --max-examples "$max_examples" "${seed_args[@]}" \
        --workers 2 --request-timeout 20 --generation-database none --no-color \
        --report junit --report-junit-path "$junit"
  ) 2>&1 | tee "$st_log"
  st_status=${PIPESTATUS[0]}
  set -e
  schemathesis_cleanup
  "$(pg_bindir)/psql" "$DATABASE_URL" -Xqc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true

  # One test per operation; one that schemathesis skipped did not fail, so it counts as
  # passed, as it always has here.
  if [[ -f $junit ]] && counts=$(junit_counts "$junit"); then
    read -r t f _ <<<"$counts"
    p=$((t - f))
  else
    p=0 f=0
  fi
  log "schemathesis: $((p + f)) operations ($f failed), exit status $st_status"
  if ((st_status != 0 && f == 0)); then
    f=1 # e.g. timed out or crashed before its report
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  total=$((total + p + f))
  if ((st_status != 0)); then
    ((status != 0)) || status=$st_status
  fi
  return 0
}
