"""Helpers for the vote tests (the cycle's Api client and clock, plus the demo's heads)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "cycle"))

from helpers import BASE, Api, at  # noqa: E402,F401

HEADS = {"so-tttt": "tttt.thutruong", "so-ldtbxh": "ldtbxh.thutruong",
         "so-vhttdl": "vhttdl.thutruong", "so-gddt": "gddt.thutruong", "so-yte": "yte.thutruong",
         "so-khcn": "khcn.thutruong", "so-noivu": "noivu.thutruong",
         "so-tuphap": "tuphap.thutruong"}
