#!/usr/bin/env bash
# Refresh the vendored front-end libraries in api/web/static/vendor from the npm registry.
# Run by a developer when upgrading; nothing at install or run time downloads anything.
set -euo pipefail
HTMX=2.0.11
CHARTJS=4.6.1
dest="$(cd "$(dirname "$0")/.." && pwd)/api/web/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "htmx.org@$HTMX" "chart.js@$CHARTJS" >/dev/null
mkdir htmx chartjs
tar xzf "htmx.org-$HTMX.tgz" -C htmx --strip-components=1
tar xzf "chart.js-$CHARTJS.tgz" -C chartjs --strip-components=1
cp htmx/dist/htmx.min.js "$dest/htmx-$HTMX.min.js"
cp htmx/LICENSE "$dest/htmx.LICENSE"
cp chartjs/dist/chart.umd.min.js "$dest/chart-$CHARTJS.umd.min.js"
cp chartjs/LICENSE.md "$dest/chart.js.LICENSE.md"
echo "vendored htmx $HTMX and Chart.js $CHARTJS into $dest"
