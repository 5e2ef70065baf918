"""A BagIt 1.0 bag (RFC 8493) written without Django: payload files under ``data/``,
``manifest-sha256.txt`` of the payload, ``bag-info.txt`` and ``tagmanifest-sha256.txt``."""

import datetime
import hashlib
from pathlib import Path


class BagError(Exception):
    pass


def write_bag(root: Path, payload, info: dict, today: datetime.date):
    """Write a bag at ``root`` (which must not exist). ``payload`` yields
    (relative name under data/, bytes, expected sha256); a mismatch is an error, so the
    manifest always equals the archive's own digests."""
    root.mkdir(parents=True)
    (root / "data").mkdir()
    manifest, octets, count = [], 0, 0
    for name, data, expected in payload:
        digest = hashlib.sha256(data).hexdigest()
        if digest != expected:
            raise BagError(f"{name}: sha256 {digest} differs from the archive's {expected}")
        target = root / "data" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        manifest.append(f"{digest}  data/{name}\n")
        octets += len(data)
        count += 1
    (root / "bagit.txt").write_text(
        "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n", encoding="utf-8"
    )
    (root / "manifest-sha256.txt").write_text("".join(sorted(manifest)), encoding="utf-8")
    lines = {
        **info,
        "Bagging-Date": today.isoformat(),
        "Payload-Oxum": f"{octets}.{count}",
    }
    (root / "bag-info.txt").write_text(
        "".join(f"{key}: {value}\n" for key, value in lines.items()), encoding="utf-8"
    )
    tags = []
    for name in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt"):
        digest = hashlib.sha256((root / name).read_bytes()).hexdigest()
        tags.append(f"{digest}  {name}\n")
    (root / "tagmanifest-sha256.txt").write_text("".join(tags), encoding="utf-8")
    return count, octets
