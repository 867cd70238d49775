"""The report's one stylesheet: the screen, and A4 paper for the committees."""

from __future__ import annotations

# Every text colour below holds at least 4.5:1 against its background (WCAG 2.1 AA, 1.4.3).
SCREEN = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;
padding:0 1rem;color:#1f2937;line-height:1.4}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:1px solid #d1d5db}
figure{margin:0}figcaption{color:#374151;margin:.3rem 0 .6rem}
svg.chart{display:block;width:100%;height:auto;max-width:100%}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem;max-width:100%}
caption{text-align:left;font-weight:600;padding:.2rem 0;color:#374151}
th,td{border:1px solid #9ca3af;padding:.25rem .5rem;text-align:left;vertical-align:top}
thead th{background:#f3f4f6}tbody th{font-weight:600}details{margin:.4rem 0 1rem}
.legend{list-style:none;padding:0;margin:.4rem 0;display:flex;flex-wrap:wrap;gap:.3rem 1rem;
font-size:.85rem}
.legend .swatch{display:inline-block;width:.9rem;height:.9rem;margin-right:.35rem;
vertical-align:middle}
.breach,.v-over{color:#b42318;font-weight:600}.warning,.v-under{color:#8a4b00}
.info,.v-in-progress,.v-no-estimate{color:#374151}.v-ok{color:#14532d}
.alerts td:nth-child(3){white-space:nowrap}
"""

PRINT = """
@page{size:A4;margin:14mm 12mm}
@media print{
body{margin:0;max-width:none;padding:0;font-size:9.5pt;
-webkit-print-color-adjust:exact;print-color-adjust:exact}
h1{font-size:15pt}h2{font-size:12pt;margin-top:1rem;break-after:avoid;page-break-after:avoid}
tr,th,td,li,figure,svg.chart{break-inside:avoid;page-break-inside:avoid}
thead{display:table-header-group}
table{width:100%;font-size:8.5pt}
svg.chart{width:100%!important;max-width:100%!important;height:auto}
details>summary{display:none}
}
"""

CSS = SCREEN + PRINT
