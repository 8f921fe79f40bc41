#!/usr/bin/env bash
# Regenerates the binary test vectors in test/vectors/ from their text-format sources with
# encoders independent of ours; the outputs are committed, so tests need none of these tools.
#
#   protoc (Debian: apt-get install protobuf-compiler)   *.txtpb -> *.bin, *.expected.bin
#   Python opentelemetry-proto (PyPI, in .cache/)        OTLP bytes cross-check, OTLP/JSON form
#   protobuf-java-util 3.4.0 (Maven Central, in .cache/) the original collector's JSON output
#   gzip(1) and Python's zlib                            compressed forms
#
# Usage: scripts/generate-vectors.sh   (from anywhere; needs network for the first run only)
set -euo pipefail
cd "$(dirname "$0")/.."
out=test/vectors
cache=.cache/vectors
mkdir -p "$cache"

command -v protoc >/dev/null || { echo "protoc missing: apt-get install protobuf-compiler" >&2; exit 1; }

encode() { # encode <type> <proto> <txtpb> <bin>
  grep -v '^#' "$3" | protoc --encode="$1" -I proto "$2" > "$4"
}

# Haystack spans and batches (haystack-idl schema, proto/span.proto).
encode Span proto/span.proto $out/span-full.txtpb $out/span-full.bin
encode Batch proto/span.proto $out/batch-three.txtpb $out/batch-three.bin
for expected in $out/*.expected.txtpb; do
  encode Batch proto/span.proto "$expected" "${expected%.txtpb}.bin"
done

# OTLP: our schema subset, then upstream's own generated code, which must agree byte for byte.
encode otlp.ExportTraceServiceRequest proto/otlp-trace.proto $out/otlp-request.txtpb $out/otlp-request.bin
if [ ! -x "$cache/venv/bin/python" ]; then
  python3 -m venv "$cache/venv"
  "$cache/venv/bin/pip" install --quiet opentelemetry-proto==1.45.2
fi
"$cache/venv/bin/python" scripts/vectors/otlp_upstream.py proto $out/otlp-request.txtpb > "$cache/otlp-upstream.bin"
cmp "$cache/otlp-upstream.bin" $out/otlp-request.bin \
  || { echo "proto/otlp-trace.proto disagrees with opentelemetry-proto" >&2; exit 1; }
"$cache/venv/bin/python" scripts/vectors/otlp_upstream.py json $out/otlp-request.txtpb > $out/otlp-request.json

# The original collector's JSON output: protobuf-java-util's JsonFormat, the version it pinned.
for artifact in com.google.protobuf:protobuf-java:3.4.0 com.google.protobuf:protobuf-java-util:3.4.0 \
  com.google.code.gson:gson:2.7 com.google.guava:guava:19.0; do
  jar="$cache/$(echo "$artifact" | cut -d: -f2)-$(echo "$artifact" | cut -d: -f3).jar"
  [ -f "$jar" ] || mvn -q -B dependency:copy -Dartifact="$artifact" -DoutputDirectory="$cache"
done
protoc -I proto --descriptor_set_out="$cache/span.desc" proto/span.proto
java -cp "$cache/*" scripts/vectors/PrintSpanJson.java "$cache/span.desc" $out/span-full.bin > $out/span-full.json

# Compressed records: gzip(1), and Python's zlib for zlib streams and for streams flushed but
# never closed (no final block, no trailer), as the OpenTelemetry Collector's exporter writes.
gzip -9 -n -c $out/span-full.bin > $out/span-full.bin.gz
python3 - "$out" <<'PY'
import sys, zlib
out = sys.argv[1]
def read(name):
    with open(f"{out}/{name}", "rb") as f:
        return f.read()
def write(name, data):
    with open(f"{out}/{name}", "wb") as f:
        f.write(data)
write("batch-three.bin.zz", zlib.compress(read("batch-three.bin"), 9))
for wbits, suffix in ((31, "gz"), (15, "zz")):
    c = zlib.compressobj(1, zlib.DEFLATED, wbits)
    write(f"otlp-request.bin.flushed.{suffix}", c.compress(read("otlp-request.bin")) + c.flush(zlib.Z_SYNC_FLUSH))
PY
echo "vectors written to $out"
