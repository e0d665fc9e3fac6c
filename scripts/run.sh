#!/usr/bin/env bash
# Runs the whole service locally: MariaDB (installed if missing), migrations, the demo district
# (余杭区) and every host. With no DingTalk credentials configured, DingTalk calls are recorded
# to .local/dingtalk-calls.jsonl instead of being sent.
#   bash scripts/run.sh              run until Ctrl-C
#   bash scripts/run.sh --check      start, wait until every host is ready, print, stop (a smoke test)
# Ports: SCHOOLSAFETY_MINIAPP_PORT, SCHOOLSAFETY_CALLBACKS_PORT, SCHOOLSAFETY_BOT_PORT (default 5080, 5081, 5082).
set -euo pipefail
cd "$(dirname "$0")/.."
check=0; [ "${1:-}" = "--check" ] && check=1

db_env=$(bash scripts/db.sh) || { echo "run: the database did not come up" >&2; exit 1; }
eval "$db_env"
miniapp_port=${SCHOOLSAFETY_MINIAPP_PORT:-5080}
callbacks_port=${SCHOOLSAFETY_CALLBACKS_PORT:-5081}
bot_port=${SCHOOLSAFETY_BOT_PORT:-5082}
mkdir -p .local/logs
echo "run: building…"
bash scripts/pages.sh
dotnet build SchoolSafety.sln -c Release -nologo -v q >/dev/null

export ConnectionStrings__SchoolSafety="$SCHOOLSAFETY_DB"
export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development}
export DingTalk__OfflineLogPath=${DingTalk__OfflineLogPath:-$PWD/.local/dingtalk-calls.jsonl}
export Photos__Folder=${Photos__Folder:-$PWD/.local/photos}
# The four platforms: in Development the Callbacks host's simulator (/dev/four-platforms) plays the gateway.
if [ "$ASPNETCORE_ENVIRONMENT" = Development ]; then
  export FourPlatforms__BaseUrl=${FourPlatforms__BaseUrl:-http://127.0.0.1:$callbacks_port/dev/four-platforms/}
  export FourPlatforms__CallbackUrl=${FourPlatforms__CallbackUrl:-http://127.0.0.1:$callbacks_port/four-platforms/pushes}
  export FourPlatforms__PhotoBaseUrl=${FourPlatforms__PhotoBaseUrl:-http://127.0.0.1:$miniapp_port}
  export FourPlatforms__PushSecret=${FourPlatforms__PushSecret:-development-only-four-platforms-secret}
fi
export MiniApp__PagesFolder=${MiniApp__PagesFolder:-$PWD/src/MiniApp.Api/ClientApp/dist}
logs=$PWD/.local/logs

hosts=("MiniApp.Api:$miniapp_port" "Callbacks:$callbacks_port" "Bot:$bot_port")
pids=()
stop() { for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop EXIT INT TERM

for h in "${hosts[@]}"; do
  name=${h%%:*}; port=${h##*:}
  if (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
    echo "run: port $port is already in use (is another run still going?)" >&2; exit 1
  fi
  # Only the mini-app host loads the demo district; every host migrates (under a database lock).
  demo=false; [ "$name" = "MiniApp.Api" ] && demo=true
  # Each host runs in its output folder, so it reads its own appsettings*.json.
  (cd "src/$name/bin/Release/net10.0" && SchoolSafety__LoadDemo=$demo exec dotnet "SchoolSafety.$name.dll" \
    --urls "http://127.0.0.1:$port" >"$logs/$name.log" 2>&1) &
  pids+=($!)
done

for h in "${hosts[@]}"; do
  name=${h%%:*}; port=${h##*:}
  for _ in $(seq 1 120); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)
    [ "$code" = 200 ] && break
    sleep 0.5
  done
  [ "$code" = 200 ] || { echo "run: $name is not ready (readyz $code); see .local/logs/$name.log" >&2; tail -20 ".local/logs/$name.log" >&2; exit 1; }
  echo "run: $name ready on http://127.0.0.1:$port (readyz 200)"
done
echo "run: open the mini-app in a browser: http://127.0.0.1:$miniapp_port/ (outside DingTalk, pick a demo person to log in)"
echo "run: DingTalk calls are recorded to $DingTalk__OfflineLogPath when no credentials are configured"
[ "$ASPNETCORE_ENVIRONMENT" = Development ] && echo "run: the four platforms' simulator: http://127.0.0.1:$callbacks_port/dev/four-platforms"
echo "run: logs in .local/logs/"
[ "$check" = 1 ] && exit 0
echo "run: Ctrl-C stops everything"
wait
