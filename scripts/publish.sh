#!/usr/bin/env bash
# Publishes the hosts as they are run (scripts/run.sh, the scale and start-up benches): Release, framework-dependent,
# ReadyToRun (their own assemblies and their packages' compiled ahead of time, so that a host starts without JIT-compiling
# them: issue 11's start-up, docs/benchmarks.md). On a machine that is not linux-x64 (the only RID whose ReadyToRun
# compiler the registry serves here) the hosts are published as plain IL. The first publish restores the runtime packs
# the compiler needs from NuGet. Incremental: an unchanged host republishes in seconds.
#   bash scripts/publish.sh                   the three hosts into .local/hosts/<Name>
#   bash scripts/publish.sh NAME [FOLDER]     one host (MiniApp.Api, Callbacks or Bot), into FOLDER if given
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
names=("${1:-MiniApp.Api}"); [ $# -eq 0 ] && names=(MiniApp.Api Callbacks Bot)
r2r=()
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) r2r=(-r linux-x64 --self-contained false -p:PublishReadyToRun=true) ;;
esac
for name in "${names[@]}"; do
  [ -d "$root/src/$name" ] || { echo "publish: no host src/$name (MiniApp.Api, Callbacks, Bot)" >&2; exit 1; }
  out=${2:-$root/.local/hosts/$name}; [ $# -eq 0 ] && out=$root/.local/hosts/$name
  dotnet publish "$root/src/$name" -c Release -nologo -v q -o "$out" "${r2r[@]}"
done
