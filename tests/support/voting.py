"""Helpers for the vote tests (the cycle's Api client and clock, plus the demo's heads)."""

from __future__ import annotations

from tests.support.cycle import BASE, Api, at  # noqa: F401  (re-exported for the tests)

HEADS = {"so-tttt": "tttt.thutruong", "so-ldtbxh": "ldtbxh.thutruong",
         "so-vhttdl": "vhttdl.thutruong", "so-gddt": "gddt.thutruong", "so-yte": "yte.thutruong",
         "so-khcn": "khcn.thutruong", "so-noivu": "noivu.thutruong",
         "so-tuphap": "tuphap.thutruong"}
