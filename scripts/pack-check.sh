#!/usr/bin/env bash
# What a user gets from npm, checked on the packed tarballs rather than on the workspace:
#   1. every package's types resolve for ESM consumers (attw, profile esm-only: the README's
#      module claim is "ESM; require() works on Node >= 20.19/22", and attw's node16-from-CJS
#      check predates require(esm));
#   2. a fresh npm project that installs core + redis gets exactly one copy of core and no other
#      backend's client, typechecks a consumer under NodeNext, and can require() the packages;
#   3. a fresh project with two copies of core side by side recognises errors from either copy;
#   4. the conformance CLI's bin runs from a fresh project;
#   5. the sessionkv CLI's bin runs from a fresh project beside core and a backend, and names the
#      backend package a URL needs when the project lacks it;
#   6. @sessionkv/http, installed beside core and memory, serves requests over node:http;
#   7. @sessionkv/opentelemetry loads in a fresh project beside its peer @opentelemetry/api,
#      subscribes to core's channels on enable and leaves them on disable, and ships its dashboard.
# Needs the npm registry (the fresh projects install ioredis like a user would).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
here="$root/scripts/pack-check"

echo "pack-check: packing into $work"
for dir in "$root"/packages/* "$root/conformance"; do
  (cd "$dir" && pnpm pack --pack-destination "$work" >/dev/null)
done
tarball() { ls "$work"/sessionkv-"$1"-*.tgz; }

for file in "$work"/*.tgz; do
  echo "pack-check: attw --profile esm-only $(basename "$file")"
  "$root/node_modules/.bin/attw" "$file" --profile esm-only --format table-flipped >/dev/null ||
    "$root/node_modules/.bin/attw" "$file" --profile esm-only
done

install() { # install <dir> <npm install arguments...>
  mkdir -p "$1" && cp "$here/package.json" "$1/package.json"
  (cd "$1" && npm install --silent --no-audit --no-fund "${@:2}")
}

echo "pack-check: fresh project with core + redis"
app="$work/app"
types_node="$(node -p 'require(process.argv[1]).devDependencies["@types/node"]' "$root/package.json")"
install "$app" "$(tarball core)" "$(tarball redis)" "@types/node@$types_node"
copies="$(find "$app/node_modules" -name package.json -path '*/@sessionkv/core/package.json' | wc -l)"
[ "$copies" -eq 1 ] || { echo "pack-check: $copies copies of @sessionkv/core installed, want 1" >&2; exit 1; }
for client in memjs etcd3 @aws-sdk/client-dynamodb; do
  [ ! -e "$app/node_modules/$client" ] || { echo "pack-check: @sessionkv/redis brought $client" >&2; exit 1; }
done
cp "$here/consumer.ts" "$here/tsconfig.json" "$here/use.cjs" "$app/"
(cd "$app" && "$root/node_modules/.bin/tsc" -p tsconfig.json)
(cd "$app" && node use.cjs)

echo "pack-check: fresh project with two copies of core side by side"
two="$work/two"
mkdir -p "$work/other" && tar -xzf "$(tarball core)" -C "$work/other"
node -e 'const f=process.argv[1],p=require(f);p.version="0.1.1";require("fs").writeFileSync(f,JSON.stringify(p))' \
  "$work/other/package/package.json"
(cd "$work/other/package" && npm pack --silent --pack-destination "$work/other" >/dev/null)
install "$two" "$(tarball core)" "core-other@file:$(ls "$work"/other/sessionkv-core-0.1.1.tgz)" "$(tarball memory)"
cp "$here/two-copies.mjs" "$two/"
(cd "$two" && node two-copies.mjs)
echo "pack-check: the conformance CLI from a fresh project (the README's npx line)"
cli="$work/cli"
install "$cli" "$(tarball core)" "$(tarball memory)" "$(tarball conformance)"
cp "$here/my-store.mjs" "$cli/"
(cd "$cli" && npx --no-install sessionkv-conformance --store ./my-store.mjs --filter keys | tail -n 1 | sed "s/^/pack-check: conformance CLI: /")
echo "pack-check: the sessionkv CLI from a fresh project beside core and a backend"
ops="$work/ops"
install "$ops" "$(tarball core)" "$(tarball memory)" "$(tarball cli)"
cp "$root/packages/cli/test/fixtures/memory-fleet.mjs" "$ops/"
(cd "$ops" && npx --no-install sessionkv --help | head -n 1 | sed "s/^/pack-check: sessionkv --help: /")
listed="$(cd "$ops" && npx --no-install sessionkv sessions --store ./memory-fleet.mjs --json |
  node -e 'let t="";process.stdin.on("data",(c)=>(t+=c)).on("end",()=>console.log(JSON.parse(t).sessions.length))')"
[ "$listed" -eq 3 ] || { echo "pack-check: sessionkv sessions listed $listed sessions, want 3" >&2; exit 1; }
echo "pack-check: sessionkv sessions --store: $listed sessions"
# The backend a URL names is the project's: this project has none for memcached://.
status=0
(cd "$ops" && npx --no-install sessionkv nodes --url memcached://127.0.0.1:1 2>"$work/missing.txt") || status=$?
if [ "$status" -ne 3 ] || ! grep -q "npm install @sessionkv/memcached" "$work/missing.txt"; then
  echo "pack-check: sessionkv without @sessionkv/memcached: exit $status, $(cat "$work/missing.txt")" >&2
  exit 1
fi
echo "pack-check: sessionkv names the missing backend (exit 3)"

echo "pack-check: @sessionkv/http beside core and memory in a fresh project"
http="$work/http"
install "$http" "$(tarball core)" "$(tarball memory)" "$(tarball http)"
cp "$here/http-serve.mjs" "$http/"
(cd "$http" && node http-serve.mjs)

echo "pack-check: @sessionkv/opentelemetry from a fresh project beside @opentelemetry/api"
otel="$work/otel"
otel_api="$(node -p 'require(process.argv[1]).devDependencies["@opentelemetry/api"]' "$root/packages/opentelemetry/package.json")"
install "$otel" "$(tarball core)" "$(tarball opentelemetry)" "@opentelemetry/api@$otel_api"
cp "$here/otel.mjs" "$otel/"
(cd "$otel" && node otel.mjs | sed "s/^/pack-check: opentelemetry: /")
echo "pack-check: ok"
