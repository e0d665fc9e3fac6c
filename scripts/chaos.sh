#!/usr/bin/env bash
# Crash trials (issue 15; docs/reliability.md): kill -9 the hosts, the database and a clustered Bot node under load, take
# DingTalk and the four platforms down for an hour, and count what was lost or doubled. Not part of the test command (a
# short smoke of each kind is: ChaosSmokeTests).
#
#   bash scripts/chaos.sh                 # every kind, the full counts (200 trials for kinds 1, 2 and 4)
#   bash scripts/chaos.sh 1,4 0.25        # kinds 1 and 4 at a quarter of their counts
#
# Builds what it needs (Release), runs its own MariaDB (scripts/db.sh, folder .local/chaos, port CHAOS_MAIN_DB_PORT or
# SCHOOLSAFETY_DB_PORT+2; kind 3 kills a second one on the port after it), prints one table, and removes every process
# and file it made. Exits non-zero when a kind lost something.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
base=${SCHOOLSAFETY_DB_PORT:-3307}
port=${CHAOS_MAIN_DB_PORT:-$((base + 2))}
export CHAOS_DB_PORT=${CHAOS_DB_PORT:-$((port + 1))}
dir=$root/.local/chaos
mkdir -p "$dir"
export CHAOS_PIDFILE=$dir/pids
: > "$CHAOS_PIDFILE"
scratch=$(mktemp -d)
export TMPDIR=$scratch   # the harness's scratch folders (photos, logs) live under it

cleanup() {
  # Whatever the harness started and did not end (it died, or was interrupted): by pid, never by name.
  while read -r pid; do
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  done < "$CHAOS_PIDFILE"
  for pidfile in "$dir"/mariadb/mysqld.pid "$root"/.local/chaos-mariadb-*/mysqld.pid; do
    [ -f "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null
  done
  sleep 1
  rm -rf "$dir" "$root"/.local/chaos-mariadb-* "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

db_env=$(SCHOOLSAFETY_DB_DIR=$dir/mariadb SCHOOLSAFETY_DB_PORT=$port bash scripts/db.sh) || { echo "chaos: the database did not come up" >&2; exit 1; }
eval "$db_env"
export SCHOOLSAFETY_BENCH_DB

echo "chaos: building (Release)…"
dotnet build SchoolSafety.sln -c Release -nologo -v q >"$dir/build.log" 2>&1 || { tail -30 "$dir/build.log" >&2; exit 1; }

echo "chaos: $(nproc) cores, $(uname -n), load $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet bench/Bench/bin/Release/net10.0/SchoolSafety.Bench.dll chaos "${1:-all}" ${2:+"$2"}
