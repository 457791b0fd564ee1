#!/usr/bin/env bash
# run-sync.sh: the cron wrapper for stripe-torii-sync.
#
# Install as /usr/local/sbin/stripe-torii-sync-run (root:root, mode 755) and
# call it from cron (see stripe-torii-sync.cron). It:
#   1. reads TORII_API_KEY from a root-only file (default /etc/stripe-torii-sync/env),
#   2. runs `stripe-torii-sync sync` with a fixed state file and report file,
#   3. sends all output to syslog (tag stripe-torii-sync),
#   4. on a non-zero exit, logs an error-priority line naming the exit code and
#      what it means, and mails an alert if `mail` is installed.
# It exits with the tool's own exit code.
#
# Any extra arguments are passed to the tool, e.g. for a manual check:
#   sudo /usr/local/sbin/stripe-torii-sync-run --dry-run
# Never put --allow-drop in the crontab: a refused destructive sync is what
# should reach a person. Confirm it by hand, once:
#   sudo /usr/local/sbin/stripe-torii-sync-run --allow-drop
#
# The settings below can be changed here or overridden from the environment.
set -euo pipefail

SYNC_EXPORT="${SYNC_EXPORT:-/srv/exports/stripe-team.csv}"
SYNC_APP_ACCOUNT="${SYNC_APP_ACCOUNT:-12345}"
SYNC_ENV_FILE="${SYNC_ENV_FILE:-/etc/stripe-torii-sync/env}"
SYNC_STATE="${SYNC_STATE:-/var/lib/stripe-torii-sync/state.json}"
SYNC_REPORT="${SYNC_REPORT:-/var/lib/stripe-torii-sync/report.json}"
SYNC_ALERT_EMAIL="${SYNC_ALERT_EMAIL:-root}"   # empty: no mail, syslog only
SYNC_LOG_TAG="${SYNC_LOG_TAG:-stripe-torii-sync}"
SYNC_TIMEOUT="${SYNC_TIMEOUT:-30m}"             # stop a hung run

# cron's PATH is minimal; `npm install -g` puts the tool in /usr/local/bin.
PATH="${PATH:-/usr/bin:/bin}:/usr/local/bin:/usr/bin:/bin"
umask 077   # the state and report files are readable by root only

# log PRIORITY MESSAGE: one line to syslog; to stderr if syslog is unavailable.
log() {
  logger -t "$SYNC_LOG_TAG" -p "user.$1" -- "$2" 2>/dev/null \
    || printf '%s[%s]: %s\n' "$SYNC_LOG_TAG" "$1" "$2" >&2
}

# meaning CODE: what an exit code means, in one line.
meaning() {
  case "$1" in
    0) echo "synced" ;;
    1) echo "sync failed: destructive sync refused (a person must confirm with --allow-drop), broken input file (e.g. a broken quote), or Torii refused or unreachable (key rejected, outage); read the log" ;;
    2) echo "configuration error: unknown flag, missing TORII_API_KEY or --app-account, or a bad option value" ;;
    124) echo "timed out after $SYNC_TIMEOUT" ;;
    126 | 127) echo "stripe-torii-sync is not installed or not executable (is it on PATH?)" ;;
    *)
      if (("$1" > 128)); then
        echo "killed by signal $(("$1" - 128))"
      else
        echo "unexpected exit code"
      fi
      ;;
  esac
}

output="$(mktemp)"
trap 'rm -f "$output"' EXIT

# alert CODE: the error line in syslog, and a mail if possible.
alert() {
  local rc="$1" first_error short
  first_error="$(grep -m 1 '^error:' "$output" || true)"
  case "$rc" in
    1) short="sync failed" ;;
    2) short="configuration error" ;;
    124) short="timed out" ;;
    *) short="exit $rc" ;;
  esac
  # Every error line ends with the core's stable code in brackets.
  if [[ "$first_error" == *"[destructive_sync]" ]]; then
    short="destructive sync refused, a person must check"
  fi
  log err "ALERT exit $rc: $(meaning "$rc")${first_error:+ | $first_error}"
  if [[ -n "$SYNC_ALERT_EMAIL" ]] && command -v mail >/dev/null 2>&1; then
    {
      echo "stripe-torii-sync exited with code $rc on $(hostname)."
      echo "Meaning: $(meaning "$rc")"
      echo
      echo "Export: $SYNC_EXPORT   App account: $SYNC_APP_ACCOUNT"
      echo "Full log: journalctl -t $SYNC_LOG_TAG   (or grep $SYNC_LOG_TAG /var/log/syslog)"
      echo
      echo "Last lines of output:"
      tail -n 40 "$output"
    } | mail -s "[stripe-torii-sync] $(hostname): exit $rc, $short" "$SYNC_ALERT_EMAIL" \
      || log err "could not send the alert mail to $SYNC_ALERT_EMAIL"
  fi
}

# fail CODE MESSAGE: a problem found by this wrapper before the tool ran.
fail() {
  printf 'error: %s\n' "$2" >"$output"
  log err "$2"
  alert "$1"
  exit "$1"
}

# --- Read the key from the root-only file (never from the crontab). ---------
[[ -r "$SYNC_ENV_FILE" ]] || fail 2 "cannot read $SYNC_ENV_FILE (it must hold TORII_API_KEY=...)"
read -r mode owner < <(stat -c '%a %U' "$SYNC_ENV_FILE")
if ((8#$mode & 8#077)) || [[ "$owner" != root && "$owner" != "$(id -un)" ]]; then
  fail 2 "$SYNC_ENV_FILE is mode $mode owned by $owner; run: chown root:root $SYNC_ENV_FILE && chmod 600 $SYNC_ENV_FILE"
fi
key_line="$(grep -E '^[[:space:]]*TORII_API_KEY=' "$SYNC_ENV_FILE" | tail -n 1 || true)"
key="${key_line#*=}"
key="${key%$'\r'}"
# Accept TORII_API_KEY="..." or '...' as systemd's EnvironmentFile= does.
if [[ "$key" == \"*\" || "$key" == \'*\' ]]; then
  key="${key:1:${#key}-2}"
fi
[[ -n "$key" ]] || fail 2 "no TORII_API_KEY= line in $SYNC_ENV_FILE"
unset key_line

mkdir -p "$(dirname "$SYNC_STATE")" "$(dirname "$SYNC_REPORT")"

# --- Run the sync. -------------------------------------------------------------
# The key goes to the tool's environment only. The tool's progress and errors
# (stderr) go to syslog and to a temp file for the alert. Its stdout is dropped:
# a real sync prints nothing there, and --dry-run prints the whole user list.
log info "starting sync of $SYNC_EXPORT to app account $SYNC_APP_ACCOUNT"
set +e
TORII_API_KEY="$key" timeout "$SYNC_TIMEOUT" \
  stripe-torii-sync sync "$SYNC_EXPORT" \
  --app-account "$SYNC_APP_ACCOUNT" \
  --state "$SYNC_STATE" \
  --report "$SYNC_REPORT" \
  "$@" 2>&1 >/dev/null |
  tee -p "$output" | logger -t "$SYNC_LOG_TAG" -p user.info 2>/dev/null
statuses=("${PIPESTATUS[@]}")
set -e
unset key
rc="${statuses[0]}"

if [[ "${statuses[2]}" -ne 0 ]]; then
  # syslog was unavailable: keep the output somewhere (cron mails stderr).
  cat "$output" >&2
fi

if ((rc == 0)) && [[ " $* " == *" --dry-run "* ]]; then
  log info "dry run done: nothing sent; report in $SYNC_REPORT"
elif ((rc == 0)); then
  log info "done: exit 0 (synced); report in $SYNC_REPORT"
else
  alert "$rc"
fi
exit "$rc"
