"""The bundled sources are the shared seeds, byte for byte."""

import hashlib
from pathlib import Path

import pytest

from conftest import ROOT

SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared" / "seeds"

# sha256 of each source as delivered in shared/seeds (sha256sum seeds/*.txt)
EXPECTED = {
    "000_0da1fdc4b930b6b4.txt": "0f331dc7ea60ee930456df3fb6dd817ff12a846bb747d600e077f86626a5f415",
    "001_48e8c2184d1aeb53.txt": "11cfa0fd11aa1a9acb8c3526dc1690b504c64831c5dccd2f3f3d24f3e55cbe0f",
    "002_0b1ea58b017ac20d.txt": "22f7e05493760e738dd7d667bb160d7deefcbaa9acaf8db1069d495eb44082a0",
    "003_a17e15e01ecd79c4.txt": "fcd20fe7e497b798a63113b3d1cf477a98981bbad68e7353320bb2b192715bb7",
    "004_6f10304757a95b01.txt": "2334cc9612d94f73d81e893c0d293086677ec7284d2261e378f63e49619373ae",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_seed_is_present_and_unchanged():
    assert sorted(p.name for p in SEEDS.glob("*.txt")) == sorted(EXPECTED)
    for name, digest in EXPECTED.items():
        assert sha256(SEEDS / name) == digest, f"{name} differs from the delivered seed"


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared/ is not beside the checkout")
def test_seeds_match_the_shared_originals():
    for original in SHARED.iterdir():
        assert (SEEDS / original.name).read_bytes() == original.read_bytes(), original.name
