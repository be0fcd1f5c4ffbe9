#!/usr/bin/env bash
# Copy plotly.js from the pinned `plotly` wheel into static/vendor/ and point every default URL it
# carries to this site (government intranets have no internet):
# - the geo base-layer URL (topojsonURL) → our own copy under /static/vendor/topojson/;
# - map-tile styles and icon URLs (MapLibre `map` subplots, never used here) → a local path that
#   does not exist, so nothing can ever be fetched from outside.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(.venv/bin/python -c "import plotly, pathlib; print(pathlib.Path(plotly.__file__).parent / 'package_data' / 'plotly.min.js')")
out=static/vendor/plotly.min.js
sed -E \
  -e 's#https://cdn\.plot\.ly/un/#/static/vendor/topojson/#g' \
  -e 's#https://(tiles\.)?basemaps\.cartocdn\.com/#/static/vendor/no-tiles/#g' \
  -e 's#https://cdn\.jsdelivr\.net/npm/@mapbox/maki@[0-9.]+/icons/#/static/vendor/no-icons/#g' \
  "$src" > "$out"
if grep -qE "https?://[^\"' ]*(cdn|unpkg|jsdelivr|googleapis|bootcdn|staticfile)" "$out"; then
  echo "plotly.min.js still names a CDN:" >&2
  grep -oE "https?://[^\"' ]*(cdn|unpkg|jsdelivr|googleapis|bootcdn|staticfile)[^\"' ]*" "$out" >&2
  exit 1
fi
echo "wrote $out from $src"
