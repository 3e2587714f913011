# shellcheck shell=bash
# The SMTP sink for scripts/soak and scripts/bench mail. Source it after lib/common.sh:
#
#   ensure_mail_sink     sets MAIL_SINK_SCRIPT (Tests/python/smtp_sink.py, an aiosmtpd server
#                        with the CLI `--port P --out DIR`, writing each message it accepts to
#                        DIR/NNNNNN.eml) and MAIL_SINK_PYTHON (.venv/bin/python with the
#                        aiosmtpd pinned in Tests/python/requirements.txt, installed if missing)
#
# Settings (environment): MAIL_SINK (another sink script with the same CLI) and
# MAIL_SINK_PYTHON (a python that already has aiosmtpd): both for trying the scripts out.

ensure_mail_sink() {
  local root=$ALMEDALEN_ROOT requirements=$ALMEDALEN_ROOT/Tests/python/requirements.txt pinned
  MAIL_SINK_SCRIPT=${MAIL_SINK:-$root/Tests/python/smtp_sink.py}
  [[ -f $MAIL_SINK_SCRIPT ]] || die "the SMTP sink $MAIL_SINK_SCRIPT is missing"
  if [[ -n ${MAIL_SINK_PYTHON:-} ]]; then
    "$MAIL_SINK_PYTHON" -c 'import aiosmtpd' 2>/dev/null ||
      die "MAIL_SINK_PYTHON=$MAIL_SINK_PYTHON cannot import aiosmtpd"
    return 0
  fi
  MAIL_SINK_PYTHON=$root/.venv/bin/python
  if [[ ! -x $MAIL_SINK_PYTHON ]]; then
    log "creating .venv"
    if ! python3 -m venv "$root/.venv" 2>/dev/null; then
      rm -rf "$root/.venv"
      apt_install python3 python3-venv
      python3 -m venv "$root/.venv"
    fi
  fi
  pinned=$(grep -oiE '^aiosmtpd==[0-9][0-9.a-z]*' "$requirements" || true)
  [[ -n $pinned ]] || die "no pinned aiosmtpd (aiosmtpd==X.Y.Z) in $requirements"
  if [[ $("$root/.venv/bin/pip" freeze 2>/dev/null | grep -iE '^aiosmtpd==' || true) != "$pinned" ]]; then
    log "installing $pinned into .venv"
    "$root/.venv/bin/pip" install -q --disable-pip-version-check "$pinned" >&2
  fi
  "$MAIL_SINK_PYTHON" -c 'import aiosmtpd' || die "$MAIL_SINK_PYTHON cannot import aiosmtpd"
}
