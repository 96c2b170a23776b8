#!/usr/bin/env bash
# A production install, start to finish, in a temp folder: the same steps the Dockerfile runs
# (npm ci, npm run build, npm prune --omit=dev and scripts/remove-dev-tools.mjs, then
# `node bin/maiimg.js serve`), so CI proves them on the host, where no image can be pulled or built.
# Then: upload one photo with the CLI, open the gallery over HTTP, check /healthz and /readyz, stop
# with SIGTERM. Exits non-zero on any failure.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/maiimg-smoke-XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "smoke-production: FAILED: $*" >&2
  [ -f "$work/server.log" ] && { echo "--- server log" >&2; tail -n 40 "$work/server.log" >&2; }
  exit 1
}
step() { printf '\n== smoke-production: %s\n' "$*"; }

step "copy the tree (tracked and new files, nothing ignored) to $work/app"
mkdir -p "$work/app"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' | tar --null -T - -cf -) |
  tar -xf - -C "$work/app"
cd "$work/app"

# The steps below are the Dockerfile's build stage, one for one.
step "npm ci"
npm ci --no-audit --no-fund
step "npm run build"
npm run build
step "npm prune --omit=dev"
npm prune --omit=dev --no-audit --no-fund
# npm keeps @prisma/client's optional peers (the Prisma CLI and TypeScript) and all they depend on
# through a prune; the product runs neither (its own runner applies the migrations).
node scripts/remove-dev-tools.mjs

for dev in typescript tsx prisma esbuild vitest eslint effect fast-check c12; do
  [ ! -e "node_modules/$dev" ] || fail "development dependency $dev is still installed after the prune"
done
[ -f dist/cli/run.js ] && [ -f dist/cli-bundle/run.js ] || fail "dist/ was not built (the compiled modules and the CLI bundle)"

port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
base="http://127.0.0.1:$port"
export DATA_DIR="$work/data" PORT="$port" HOST=127.0.0.1 PUBLIC_BASE_URL="$base" LOG_LEVEL=info MAIIMG_CLI_USER=smoke
# What the runtime image has: Node and the pruned tree, nothing on PATH from node_modules/.bin.
step "start: node bin/maiimg.js serve (port $port)"
node bin/maiimg.js serve >"$work/server.log" 2>&1 &
server_pid=$!

ready=""
for _ in $(seq 1 240); do
  kill -0 "$server_pid" 2>/dev/null || fail "the server exited before it was ready"
  if curl -fsS -o /dev/null "$base/readyz" 2>/dev/null; then ready=yes && break; fi
  sleep 0.5 # polling a starting process; there is no event to wait on from a shell
done
[ -n "$ready" ] || fail "/readyz did not answer 200 within 120 s"
echo "ready"

step "upload one photo with the CLI"
node -e 'require("sharp")({create:{width:64,height:48,channels:3,background:"#3a7"}}).png().toFile(process.argv[1])' "$work/photo.png"
node bin/maiimg.js upload "$work/photo.png" --title "Smoke" --json >"$work/upload.json" || fail "maiimg upload exited $?"
url="$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); if(!r.gallery) process.exit(1); console.log(r.gallery.url)' "$work/upload.json")" ||
  fail "the upload made no gallery: $(cat "$work/upload.json")"
echo "gallery: $url"

step "open the gallery over HTTP"
status="$(curl -sS -o "$work/gallery.html" -w '%{http_code}' -A 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' "$url")"
[ "$status" = 200 ] || fail "the gallery answered $status"
grep -q "Smoke" "$work/gallery.html" || fail "the gallery page does not show its title"
for path in /healthz /readyz; do
  status="$(curl -sS -o /dev/null -w '%{http_code}' "$base$path")"
  [ "$status" = 200 ] || fail "$path answered $status"
done

step "the open is recorded (the visit writer thread runs the compiled worker)"
opens=""
for _ in $(seq 1 60); do
  opens="$(node bin/maiimg.js list --json | node -e 'let s="";process.stdin.on("data",c=>s+=c).on("end",()=>console.log(JSON.parse(s).galleries[0]?.openCount ?? 0))')"
  [ "$opens" -ge 1 ] && break
  sleep 0.5 # the writer batches opens; poll the CLI until it shows
done
[ "${opens:-0}" -ge 1 ] || fail "the open was not recorded (openCount $opens)"

step "stop with SIGTERM"
kill -TERM "$server_pid"
code=0
wait "$server_pid" || code=$?
server_pid=""
[ "$code" = 0 ] || fail "the server exited $code on SIGTERM"
grep -qiE "deprecat|ExperimentalWarning" "$work/server.log" && fail "the server printed a warning"
echo "smoke-production: passed"
