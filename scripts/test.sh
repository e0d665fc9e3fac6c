#!/usr/bin/env bash
# Runs every test against a real MariaDB (brought up by scripts/db.sh) and ends with
# one line `N passed, N failed`. Exits non-zero on any failure, or when no test ran.
set -uo pipefail
cd "$(dirname "$0")/.."
db_env=$(bash scripts/db.sh) || { echo "test: the database did not come up" >&2; echo "0 passed, 1 failed"; exit 1; }
eval "$db_env"
export SCHOOLSAFETY_TEST_DB
results=.local/test-results
rm -rf "$results"; mkdir -p "$results"

# The pages and the browser the browser tests drive (chromium, a Chinese font); a missing browser fails the run.
bash scripts/pages.sh --browser || { echo "test: the mini-app pages did not build" >&2; echo "0 passed, 1 failed"; exit 1; }
dotnet build SchoolSafety.sln -c Release -nologo -v q || { echo "0 passed, 1 failed"; exit 1; }
dotnet test SchoolSafety.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results"
status=$?

passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi   # a run that broke before counting
echo "test: the database is left running for the next run (MariaDB on 127.0.0.1:${SCHOOLSAFETY_DB_PORT:-3307}, data in .local/mariadb); stop it with: bash scripts/db.sh --stop"
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
