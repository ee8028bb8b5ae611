#!/bin/sh
# Build the documentation site in strict mode: a broken link, reference, snippet or a page missing
# from the nav fails the build (exit code 1).
#   python -m pip install -e ".[docs]"     # once
#   sh tools/build_docs.sh [OUTPUT_DIR]    # default: site/
set -eu
cd "$(dirname "$0")/.."
NO_MKDOCS_2_WARNING=1 python -m mkdocs build --strict --site-dir "${1:-site}"
