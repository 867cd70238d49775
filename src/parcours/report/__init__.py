"""The programme officer's HTML report (self-contained, French by default)."""

from parcours.report.html import render

__all__ = ["render"]
