#!/usr/bin/env bash
# Refresh the vendored, offline GraphiQL playground assets in assets/graphiql/.
#
# The assets are committed; this script is NOT part of the build. Run it only
# to re-vendor (e.g. after bumping a pinned version below). It needs `npm` and
# `node` and access to the npm registry; nothing else is downloaded.
#
# What it does (reproducibly):
#   1. `npm pack` the pinned packages into a temporary directory and check each
#      tarball against its pinned sha512 integrity (as published in the registry);
#   2. copy the UMD production bundles + CSS to stable names;
#   3. strip trailing `//# sourceMappingURL=` / `/*# sourceMappingURL=... */`
#      comments so browsers never request the (unshipped) source maps;
#   4. copy each package's LICENSE next to the bundles and write VERSIONS.txt.
#
# index.html and init.js in assets/graphiql/ are hand-written and left untouched.
#
# Usage: scripts/vendor-graphiql.sh            (from anywhere inside the repo)
# When bumping a version, update its integrity too: `npm view PKG@VER dist.integrity`.
set -euo pipefail

GRAPHIQL_VERSION="4.1.2"
REACT_VERSION="18.3.1"
REACT_DOM_VERSION="18.3.1"

GRAPHIQL_INTEGRITY="sha512-rNlzQIAzm6i2KBXmVQWBgLvt0TloxFVB2d18bukvdsvjEuFDHsKx5IVOomL1W1o5WW+tE54+ioHb2AEKzO2cUg=="
REACT_INTEGRITY="sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ=="
REACT_DOM_INTEGRITY="sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw=="

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${script_dir}/.." && pwd)"
out_dir="${repo_root}/assets/graphiql"

for tool in npm node tar; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: '$tool' is required" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/vendor-graphiql.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# fetch NAME VERSION INTEGRITY -> unpacks into $work/NAME/package
fetch() {
  local name="$1" version="$2" integrity="$3" tgz actual
  echo "==> npm pack ${name}@${version}"
  tgz="$(cd "$work" && npm pack --silent "${name}@${version}" | tail -n 1)"
  actual="sha512-$(node -e '
    const c = require("crypto"), fs = require("fs");
    process.stdout.write(c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"));
  ' "${work}/${tgz}")"
  if [[ "$actual" != "$integrity" ]]; then
    echo "error: integrity mismatch for ${name}@${version}" >&2
    echo "  expected: ${integrity}" >&2
    echo "  actual:   ${actual}" >&2
    exit 1
  fi
  mkdir -p "${work}/${name}"
  tar -xzf "${work}/${tgz}" -C "${work}/${name}"
}

# copy_stripped SRC DEST: copy, dropping whole-line source map comments (JS and CSS).
copy_stripped() {
  local src="$1" dest="$2"
  [[ -f "$src" ]] || { echo "error: missing ${src}" >&2; exit 1; }
  sed -e '/^[[:space:]]*\/\/[#@] sourceMappingURL=/d' \
      -e '/^[[:space:]]*\/\*[#@] sourceMappingURL=.*\*\/[[:space:]]*$/d' \
      "$src" > "${dest}.tmp"
  if grep -qE '^[[:space:]]*(//|/\*)[#@] sourceMappingURL=' "${dest}.tmp"; then
    echo "error: source map comment left in ${dest}" >&2; exit 1
  fi
  mv "${dest}.tmp" "$dest"
  echo "    $(basename "$dest") ($(wc -c < "$dest") bytes)"
}

fetch graphiql  "$GRAPHIQL_VERSION"  "$GRAPHIQL_INTEGRITY"
fetch react     "$REACT_VERSION"     "$REACT_INTEGRITY"
fetch react-dom "$REACT_DOM_VERSION" "$REACT_DOM_INTEGRITY"

gq="${work}/graphiql/package"
r="${work}/react/package"
rd="${work}/react-dom/package"

# graphiql 4.x ships its UMD build as dist/index.umd.js (byte-identical copies at
# the package root as graphiql.min.js / graphiql.js) and its CSS as dist/style.css
# (same as graphiql.min.css). The UMD wrapper reads the globals React and ReactDOM
# and defines the global GraphiQL.
gq_js="${gq}/dist/index.umd.js"
gq_css="${gq}/dist/style.css"
grep -q '\.GraphiQL=t(e\.React,e\.ReactDOM)' "$gq_js" || {
  echo "error: ${gq_js} does not look like the expected UMD build (global GraphiQL from React/ReactDOM)" >&2
  exit 1
}

mkdir -p "$out_dir"
echo "==> writing ${out_dir}"
copy_stripped "${r}/umd/react.production.min.js"      "${out_dir}/react.production.min.js"
copy_stripped "${rd}/umd/react-dom.production.min.js" "${out_dir}/react-dom.production.min.js"
copy_stripped "$gq_js"                                "${out_dir}/graphiql.min.js"
copy_stripped "$gq_css"                               "${out_dir}/graphiql.min.css"

cp "${gq}/LICENSE" "${out_dir}/LICENSE.graphiql"
cp "${r}/LICENSE"  "${out_dir}/LICENSE.react"
if cmp -s "${r}/LICENSE" "${rd}/LICENSE"; then
  rm -f "${out_dir}/LICENSE.react-dom"   # identical: LICENSE.react covers react-dom too
else
  cp "${rd}/LICENSE" "${out_dir}/LICENSE.react-dom"
fi

{
  echo "# Vendored by scripts/vendor-graphiql.sh - do not edit by hand."
  echo "graphiql@${GRAPHIQL_VERSION} ${GRAPHIQL_INTEGRITY}"
  echo "  graphiql.min.js  <- dist/index.umd.js (sourceMappingURL comment removed)"
  echo "  graphiql.min.css <- dist/style.css"
  echo "react@${REACT_VERSION} ${REACT_INTEGRITY}"
  echo "  react.production.min.js <- umd/react.production.min.js"
  echo "react-dom@${REACT_DOM_VERSION} ${REACT_DOM_INTEGRITY}"
  echo "  react-dom.production.min.js <- umd/react-dom.production.min.js"
  echo "LICENSE.react covers react and react-dom (same MIT text) unless LICENSE.react-dom exists."
} > "${out_dir}/VERSIONS.txt"

echo "==> done; review with: git status -- assets/graphiql"
