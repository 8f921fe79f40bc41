#!/usr/bin/env python3
"""The SAM CLI, with each Lambda function container on the host's network.

Usage: python3 tools/sam/sam_host_network.py <any sam arguments>
  e.g. python3 tools/sam/sam_host_network.py local invoke -t cdk.out/HaystackKinesisCollector.template.json \
         CollectorFunction -e events/valid-spans.json --env-vars events/env.local.json \
         --invoke-image haystack-lambda/nodejs24.x:arm64 --skip-pull-image

Why: `sam local invoke --docker-network host` does not put the container on the host network
(aws-sam-cli issue 4236): SAM only *connects* a created container to a named network, and skips
`host`, so the container stays on the daemon's default network. A broker on the host's
127.0.0.1 is then out of reach, and on a daemon without a bridge SAM cannot reach the emulator
either (its published port goes nowhere).

What changes, and nothing else: for each Lambda function container (samcli's LambdaContainer,
used by `local invoke`, `local start-lambda` and `local start-api`; build containers are left
alone) this launcher

1. creates it with Docker's `network_mode=host`, and
2. tells the runtime interface emulator SAM layers into the image to listen where SAM would
   have published its port (`--runtime-interface-emulator-address <container host
   interface>:<the port SAM chose>`, default interface 127.0.0.1) and to serve the runtime API
   on a free loopback port (`--runtime-api-address 127.0.0.1:<port>`), because on the host
   network its defaults (0.0.0.0:8080 and 127.0.0.1:9001) would be fixed ports shared by every
   container on the machine.

SAM still asks for the emulator's port to be published; Docker's Python client refuses
published ports on the host network (a container there has no ports of its own to publish), so
for such containers, and only those, that request is dropped.

Everything else is SAM's own code path: template and `aws:asset:path` reading, the env-vars
file, image layering with its emulator, the container's lifecycle and its logs. Without
`--docker-network host` on the command line SAM never tries to connect a network, so pass none.
"""

import socket
import sys

from docker.models.containers import ContainerCollection
from samcli.cli.main import cli
from samcli.local.docker.lambda_container import LambdaContainer

EMULATOR = "/var/rapid/aws-lambda-rie"
_sam_create = LambdaContainer.create


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _create_on_host_network(self, context):
    entrypoint = list(self._entrypoint or [])
    if not entrypoint or entrypoint[0] != EMULATOR:
        raise RuntimeError(
            f"sam_host_network: expected the container to start {EMULATOR}, got {entrypoint!r}; "
            "this SAM CLI version starts functions differently, so the launcher cannot place them"
        )
    self._entrypoint = [
        EMULATOR,
        "--runtime-interface-emulator-address",
        f"{self._container_host_interface}:{self.rapid_port_host}",
        "--runtime-api-address",
        f"127.0.0.1:{_free_loopback_port()}",
        *entrypoint[1:],
    ]
    self._container_opts = {**(self._container_opts or {}), "network_mode": "host"}
    return _sam_create(self, context)


_docker_create = ContainerCollection.create


def _create_without_published_ports(self, image, command=None, **kwargs):
    if kwargs.get("network_mode") == "host":
        kwargs.pop("ports", None)
    return _docker_create(self, image, command, **kwargs)


LambdaContainer.create = _create_on_host_network
ContainerCollection.create = _create_without_published_ports

if __name__ == "__main__":
    sys.argv[0] = "sam"
    sys.exit(cli())
