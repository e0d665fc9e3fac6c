#!/usr/bin/env bash
# Runs the whole service locally: MariaDB (installed if missing), migrations, the demo district
# (余杭区) and every host. With no DingTalk credentials configured, DingTalk calls are recorded
# to .local/dingtalk-calls.jsonl instead of being sent.
#   bash scripts/run.sh              run until Ctrl-C
#   bash scripts/run.sh --check      start, wait until every host is ready, print, stop (a smoke test)
#   bash scripts/run.sh --stream     the Callbacks host takes DingTalk's callbacks over Stream mode, from the
#                                    DingTalk simulator's local gateway (Development only), instead of HTTP
set -euo pipefail
cd "$(dirname "$0")/.."
check=0; stream=0
for arg in "$@"; do
  case "$arg" in
    --check) check=1 ;;
    --stream) stream=1 ;;
    *) echo "run: unknown option $arg (--check, --stream)" >&2; exit 1 ;;
  esac
done

db_env=$(bash scripts/db.sh) || { echo "run: the database did not come up" >&2; exit 1; }
eval "$db_env"
mkdir -p .local/logs
echo "run: building…"
bash scripts/pages.sh || { echo "run: the mini-app pages did not build (the errors are above)" >&2; exit 1; }
# Published ReadyToRun (scripts/publish.sh): a host starts in about half the time of a plain build's IL (docs/benchmarks.md).
if ! bash scripts/publish.sh >.local/logs/build.log 2>&1; then
  # The compiler's errors, once each (dotnet prints each twice), else the end of the output; all of it in the log.
  grep -E ': error ' .local/logs/build.log | sed 's/ \[[^]]*\]$//' | sort -u >&2 || tail -40 .local/logs/build.log >&2
  echo "run: the build failed; the whole output is in .local/logs/build.log" >&2
  exit 1
fi

# The hosts' ports: 5080 (mini-app), 5081 (callbacks), 5082 (scheduler), or three from SCHOOLSAFETY_PORT when those are taken.
miniapp_port=${SCHOOLSAFETY_PORT:-5080}; callbacks_port=$((miniapp_port + 1)); bot_port=$((miniapp_port + 2))
export ConnectionStrings__SchoolSafety="$SCHOOLSAFETY_DB"
export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development}
export DingTalk__OfflineLogPath=${DingTalk__OfflineLogPath:-$PWD/.local/dingtalk-calls.jsonl}
export Photos__Folder=${Photos__Folder:-$PWD/.local/photos}
# The four platforms: in Development the Callbacks host's simulator (/dev/four-platforms) plays the gateway.
if [ "$ASPNETCORE_ENVIRONMENT" = Development ]; then
  # Local callback secrets (card clicks, robot messages, event pushes), refused outside Development and Testing.
  while IFS='=' read -r key value; do
    [[ -z "$key" || "$key" == \#* ]] && continue
    if [ -z "${!key:-}" ]; then export "$key=$value"; fi
  done < scripts/local-dingtalk.env
  # Stream mode against the DingTalk simulator's gateway: cards ask for Stream callbacks (no HTTP route key).
  if [ "$stream" = 1 ]; then
    export DingTalk__Stream__Enabled=true
    export DingTalk__ApiBaseUrl=${DingTalk__ApiBaseUrl:-http://127.0.0.1:$callbacks_port/dev/dingtalk}
    unset Cards__CallbackRouteKey
  fi
  export FourPlatforms__BaseUrl=${FourPlatforms__BaseUrl:-http://127.0.0.1:$callbacks_port/dev/four-platforms/}
  export FourPlatforms__CallbackUrl=${FourPlatforms__CallbackUrl:-http://127.0.0.1:$callbacks_port/four-platforms/pushes}
  export FourPlatforms__PhotoBaseUrl=${FourPlatforms__PhotoBaseUrl:-http://127.0.0.1:$miniapp_port}
  export FourPlatforms__PushSecret=${FourPlatforms__PushSecret:-development-only-four-platforms-secret}
  # The DingTalk simulator (/dev/dingtalk/ on the Callbacks host) opens the mini-app's pages as the person viewed.
  export Simulator__MiniAppUrl=${Simulator__MiniAppUrl:-http://127.0.0.1:$miniapp_port}
  # Every link (cards, notices, digests, to-dos) opens the mini-app here; outside Development it must be the public https address.
  export Cards__MiniAppUrl=${Cards__MiniAppUrl:-http://127.0.0.1:$miniapp_port}
  export Simulator__CardTemplatesFolder=${Simulator__CardTemplatesFolder:-$PWD/cards}
fi
[ "$stream" = 1 ] && [ "$ASPNETCORE_ENVIRONMENT" != Development ] && { echo "run: --stream needs the Development environment (the simulator's gateway)" >&2; exit 1; }
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
  # Each host runs in its published folder, so it reads its own appsettings*.json.
  (cd ".local/hosts/$name" && SchoolSafety__LoadDemo=$demo exec dotnet "SchoolSafety.$name.dll" \
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
echo "run: DingTalk calls are recorded (table dingtalk_calls, and $DingTalk__OfflineLogPath) when no credentials are configured"
if [ "$ASPNETCORE_ENVIRONMENT" = Development ]; then
  echo "run: DingTalk on the desk (the simulator: every person's chats, cards, to-dos): http://127.0.0.1:$callbacks_port/dev/dingtalk/"
  [ "$stream" = 1 ] && echo "run: callbacks come over Stream mode from the simulator's gateway"
  echo "run: the recorded DingTalk calls: http://127.0.0.1:$callbacks_port/dev/dingtalk/calls"
  echo "run: the four platforms' simulator: http://127.0.0.1:$callbacks_port/dev/four-platforms"
fi
echo "run: logs in .local/logs/"
if [ "$check" = 1 ]; then echo "run: stopping the hosts; the database keeps running (stop it with: bash scripts/db.sh --stop)"; exit 0; fi
echo "run: Ctrl-C stops the hosts; the database keeps running (stop it with: bash scripts/db.sh --stop)"
wait
