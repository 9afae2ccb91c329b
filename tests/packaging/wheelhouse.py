"""Offline wheels for the layer bundling: the prebuilt layer (``build/layer``) packed back into
one wheel per distribution.

``make`` builds ``build/layer/python`` with the same pip call the constructs' local bundling runs
(``--platform manylinux2014_aarch64 --only-binary=:all:`` for ``lambdas/requirements.txt``). Each
distribution there keeps its ``.dist-info`` (``WHEEL`` with its tags, ``RECORD`` with its files),
which is all a wheel is; so with ``PIP_NO_INDEX=1 PIP_FIND_LINKS=<this folder>`` the bundling runs
for real without the network.
"""

from __future__ import annotations

import zipfile
from pathlib import Path


def _tags(wheel_metadata: str) -> str:
    """The compressed tag set (``py3-none-any``, ``cp313-cp313-manylinux_2_17_aarch64.…``)."""
    parts: list[list[str]] = [[], [], []]
    for line in wheel_metadata.splitlines():
        if line.startswith("Tag:"):
            for index, value in enumerate(line.split(":", 1)[1].strip().split("-")):
                if value not in parts[index]:
                    parts[index].append(value)
    return "-".join(".".join(values) for values in parts)


def pack_layer(site: Path, wheelhouse: Path) -> list[Path]:
    """Write a wheel for each ``*.dist-info`` under ``site`` into ``wheelhouse``."""
    wheelhouse.mkdir(parents=True, exist_ok=True)
    wheels = []
    for info in sorted(site.glob("*.dist-info")):
        name, version = info.name.removesuffix(".dist-info").rsplit("-", 1)
        target = wheelhouse / f"{name}-{version}-{_tags((info / 'WHEEL').read_text())}.whl"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
            for line in (info / "RECORD").read_text().splitlines():
                relative = line.rsplit(",", 2)[0]
                if relative and not relative.startswith("..") and (site / relative).is_file():
                    archive.write(site / relative, relative)
        wheels.append(target)
    return wheels
