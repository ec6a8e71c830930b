"""The colours of every map layer, shared by the app's maps and the report's."""

from __future__ import annotations

#: Decile colours, 1 = most deprived (dark) to 10 = least deprived (light).
DECILE_COLOURS = (
    "#08306b", "#08519c", "#2171b5", "#4292c6", "#6baed6",
    "#9ecae1", "#c6dbef", "#deebf7", "#eef5fb", "#f7fbff",
)  # fmt: skip
#: Loneliness-risk decile colours, 1 = highest risk (dark red) to 10 = lowest.
RISK_COLOURS = (
    "#67000d", "#a50f15", "#cb181d", "#ef3b2c", "#fb6a4a",
    "#fc9272", "#fcbba1", "#fddcc9", "#feeee5", "#fff8f4",
)  # fmt: skip
#: Uploaded indicator quintile colours, lowest (pale) to highest (dark purple).
USER_COLOURS = ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f")
#: Access quintile colours (ColorBrewer Greens), lowest access (pale) to highest
#: (dark green); pale enough to read as "low", dark enough to print on white.
ACCESS_COLOURS = ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c")
#: Walking-time bands (upper bound in minutes) and colours: near is dark.
WALK_BANDS = (5, 10, 15, 20, 30)
WALK_COLOURS = ("#00441b", "#238b45", "#66c2a4", "#ccece6", "#fff7bc", "#fec44f")
#: Areas with no value, and areas with no community asset within reach.
NO_DATA = "#d9d9d9"
NO_ACCESS = "#fde0ef"
HOTSPOT_COLOUR = "#ff6f00"
SELECTION_COLOUR = "#111111"
BACKGROUND = "#f3f2ee"
