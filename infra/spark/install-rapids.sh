#!/usr/bin/env bash
# Puts the RAPIDS Accelerator jar (26.08.1, classifier cuda13, ~575 MB) into the local Maven
# repository with a generated POM: its published POM's parent is not on Maven Central, so Maven
# cannot resolve it as a dependency (`dependency:get` fails on the parent). Idempotent.
# Needed only by `poa explain-gpu` and the -Pgpu build; never by the default build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
VERSION=26.08.1
NAME="rapids-4-spark_2.13-$VERSION-cuda13.jar"
URL="https://repo.maven.apache.org/maven2/com/nvidia/rapids-4-spark_2.13/$VERSION/$NAME"
DIR="${POA_M2_REPO:-$HOME/.m2/repository}/com/nvidia/rapids-4-spark_2.13/$VERSION"
if [[ -f "$DIR/$NAME" && -f "$DIR/rapids-4-spark_2.13-$VERSION.pom" ]] \
    && ! grep -q "<parent>" "$DIR/rapids-4-spark_2.13-$VERSION.pom"; then
  echo "RAPIDS jar already installed: $DIR/$NAME"
  exit 0
fi
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
echo "downloading $URL (575 MB)"
curl -fsSL --retry 3 -o "$TMP/$NAME" "$URL"
expected="$(curl -fsSL --retry 3 "$URL.sha1" | cut -c1-40)"
actual="$(sha1sum "$TMP/$NAME" | cut -c1-40)"
if [[ "$expected" != "$actual" ]]; then
  echo "checksum mismatch for $NAME: expected $expected, got $actual" >&2
  exit 1
fi
# What install:install-file with a generated POM would leave, written directly: no Maven run, so this
# can download in the background beside a build (CI does) without two Maven processes sharing ~/.m2.
mkdir -p "$DIR"
rm -f "$DIR"/*.jar "$DIR"/*.pom "$DIR"/_remote.repositories
cat > "$TMP/rapids-4-spark_2.13-$VERSION.pom" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.nvidia</groupId>
  <artifactId>rapids-4-spark_2.13</artifactId>
  <version>$VERSION</version>
  <description>written by infra/spark/install-rapids.sh: the published POM's parent is not on Maven Central</description>
</project>
POM
# the jar first, the POM last: the POM is what marks the install complete (see the check above)
mv "$TMP/$NAME" "$DIR/$NAME"
mv "$TMP/rapids-4-spark_2.13-$VERSION.pom" "$DIR/rapids-4-spark_2.13-$VERSION.pom"
echo "RAPIDS jar installed: $DIR/$NAME"
