"""Encodes an OTLP text-format request with opentelemetry-proto's own generated code.

Used by scripts/generate-vectors.sh to prove proto/otlp-trace.proto matches upstream's schema
(the bytes must equal protoc's from our .proto) and to write the OTLP/JSON form of the same
request. OTLP/JSON is protobuf's JSON mapping except that trace and span ids are hex and enums
are integers (OTLP specification, "JSON Protobuf Encoding"), so ids are rewritten from base64.

    python otlp_upstream.py proto|json <request.txtpb>
"""

import base64
import json
import sys

from google.protobuf import json_format, text_format
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

ID_FIELDS = ("traceId", "spanId", "parentSpanId")


def hex_ids(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ID_FIELDS and isinstance(value, str):
                node[key] = base64.b64decode(value).hex()
            else:
                hex_ids(value)
    elif isinstance(node, list):
        for item in node:
            hex_ids(item)


def main():
    mode, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        request = text_format.Parse(f.read(), trace_service_pb2.ExportTraceServiceRequest())
    if mode == "proto":
        sys.stdout.buffer.write(request.SerializeToString())
    else:
        document = json_format.MessageToDict(request, use_integers_for_enums=True)
        hex_ids(document)
        sys.stdout.write(json.dumps(document, indent=2) + "\n")


main()
