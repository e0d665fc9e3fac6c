#!/usr/bin/env bash
# Builds the mini-app's pages (src/MiniApp.Api/ClientApp, Vue 3 + Vant 4 + Vite) into ClientApp/dist, which the
# mini-app host serves. Installs Debian's nodejs and npm if missing; `npm ci` from the committed lock file (skipped
# when node_modules was installed from this very lock file), then `vite build`. Called by run.sh and test.sh;
# `dotnet build` never needs it.
#   bash scripts/pages.sh            build the pages
#   bash scripts/pages.sh --browser  also install what the browser tests need: chromium, fonts-wqy-microhei
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
app=$root/src/MiniApp.Api/ClientApp

need=()
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ "${1:-}" = "--browser" ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "pages: installing ${need[*]} (Debian packages)…" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

cd "$app"
stamp=node_modules/.schoolsafety-lock.sha256
lock=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$lock" ]; then
  echo "pages: npm ci…" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$lock" > "$stamp"
fi
echo "pages: vite build…" >&2
npx --no-install vite build --logLevel warn >&2
[ -f dist/index.html ] || { echo "pages: the build made no dist/index.html" >&2; exit 1; }
echo "pages: built into ${app#"$root"/}/dist" >&2
