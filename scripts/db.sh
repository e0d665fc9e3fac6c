#!/usr/bin/env bash
# Brings up a project-local MariaDB for development and tests: installs Debian's mariadb-server
# if it is missing, initialises a data folder under .local/, starts the server on 127.0.0.1 and
# creates the databases and the application user. Safe to run again: an already running server
# is left alone, and the server keeps running after the caller ends. Prints the connection strings'
# settings as shell exports on its last lines.
#   bash scripts/db.sh           start (if needed) and print the settings
#   bash scripts/db.sh --stop    stop this checkout's server (its data stays in .local/mariadb)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${SCHOOLSAFETY_DB_DIR:-$root/.local/mariadb}
port=${SCHOOLSAFETY_DB_PORT:-3307}
sock=$dir/mysqld.sock
export PATH=$PATH:/usr/sbin:/usr/local/sbin

if [ "${1:-}" = "--stop" ]; then
  if command -v mariadb-admin >/dev/null 2>&1 && mariadb-admin --socket="$sock" -uroot ping >/dev/null 2>&1; then
    mariadb-admin --socket="$sock" -uroot shutdown
    echo "db: stopped this checkout's MariaDB (data kept in $dir)" >&2
  else
    echo "db: this checkout's MariaDB is not running" >&2
  fi
  exit 0
fi

if ! command -v mariadbd >/dev/null 2>&1; then
  echo "db: installing mariadb-server (Debian package)…" >&2
  # Keep the package from starting a system-wide server of its own: ours runs in $dir.
  policy=/usr/sbin/policy-rc.d; made_policy=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; made_policy=1; fi
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null
  [ "$made_policy" = 1 ] && rm -f "$policy"
fi

mkdir -p "$dir"
if [ ! -d "$dir/data/mysql" ]; then
  echo "db: initialising $dir/data" >&2
  mariadb-install-db --user=root --datadir="$dir/data" --auth-root-authentication-method=normal \
    --skip-test-db >"$dir/install.log" 2>&1
fi

if ! mariadb-admin --socket="$sock" -uroot ping >/dev/null 2>&1; then
  if (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
    echo "db: port $port is taken by another server (another checkout's MariaDB?); stop it, or choose a port with SCHOOLSAFETY_DB_PORT" >&2
    exit 1
  fi
  echo "db: starting MariaDB on 127.0.0.1:$port" >&2
  setsid mariadbd --no-defaults --user=root --datadir="$dir/data" --socket="$sock" --port="$port" \
    --bind-address=127.0.0.1 --pid-file="$dir/mysqld.pid" --log-error="$dir/error.log" \
    --skip-name-resolve --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=256M --max-connections=500 --lower-case-table-names=0 \
    </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 60); do
    mariadb-admin --socket="$sock" -uroot ping >/dev/null 2>&1 && break
    sleep 0.5
  done
  mariadb-admin --socket="$sock" -uroot ping >/dev/null 2>&1 || { echo "db: MariaDB did not start; see $dir/error.log" >&2; tail -20 "$dir/error.log" >&2; exit 1; }
fi

mariadb --socket="$sock" -uroot <<SQL
CREATE DATABASE IF NOT EXISTS schoolsafety CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS schoolsafety_test CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS schoolsafety_bench CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'schoolsafety'@'127.0.0.1' IDENTIFIED BY 'schoolsafety-dev';
GRANT ALL PRIVILEGES ON \`schoolsafety%\`.* TO 'schoolsafety'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL

base="Server=127.0.0.1;Port=$port;User ID=schoolsafety;Password=schoolsafety-dev"
echo "export SCHOOLSAFETY_DB='$base;Database=schoolsafety'"
echo "export SCHOOLSAFETY_TEST_DB='$base;Database=schoolsafety_test'"
echo "export SCHOOLSAFETY_BENCH_DB='$base;Database=schoolsafety_bench'"
