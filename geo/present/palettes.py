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

#: Colours for the user's own asset categories, in the order they are first
#: seen: dark or saturated enough to read as map dots, and none a colour of the
#: taxonomy (see :func:`geo.sources.taxonomy.category_colours`).
NEW_CATEGORY_COLOURS = (
    "#7b3294", "#008080", "#b8860b", "#c51b7d", "#4d4d4d", "#2c7fb8",
    "#8b0000", "#556b2f", "#ff1493", "#00008b", "#9acd32", "#d2691e",
)  # fmt: skip


def generated_colour(index: int) -> str:
    """The ``index``-th colour after the palette: golden-angle hues, two lightnesses."""
    import colorsys

    hue = (index * 0.618033988749895) % 1.0
    lightness = 0.38 if index % 2 else 0.52
    red, green, blue = colorsys.hls_to_rgb(hue, lightness, 0.75)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"


class DistinctColours:
    """Gives every new key its own colour, the first keys from a fixed palette.

    The same key always gets the same colour; two keys never share one
    (beyond the palette, colours are generated; see :func:`generated_colour`).
    Safe to share between threads.
    """

    def __init__(self, palette: tuple[str, ...] = NEW_CATEGORY_COLOURS) -> None:
        import threading

        self._palette = palette
        self._given: dict[str, str] = {}
        self._lock = threading.Lock()

    def __call__(self, key: str) -> str:
        with self._lock:
            colour = self._given.get(key)
            if colour is None:
                index = len(self._given)
                colour = (
                    self._palette[index]
                    if index < len(self._palette)
                    else generated_colour(index - len(self._palette))
                )
                self._given[key] = colour
            return colour


#: Okabe–Ito colours (Okabe & Ito 2008), told apart with the common forms of
#: colour blindness; black is left out (it is the outline and selection colour).
CATEGORICAL_COLOURS = ("#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7")
#: Marker shapes drawn by the web map and listed in its legend.
MARKER_SHAPES = ("circle", "square", "triangle", "diamond", "down")


def category_mark(index: int) -> tuple[str, str]:
    """The colour and shape of the ``index``-th category of places.

    Colours cycle through seven, shapes through five: as 7 and 5 share no
    factor, the first 35 categories all get a different pair, and two
    categories next to each other always differ in both colour and shape.
    """
    return (
        CATEGORICAL_COLOURS[index % len(CATEGORICAL_COLOURS)],
        MARKER_SHAPES[index % len(MARKER_SHAPES)],
    )


class CategoryMarks:
    """Gives every category of places its own (colour, shape), in a fixed order.

    ``known`` keys (the taxonomy, in table order) come first, so they always
    get the same mark; keys seen later (the user's own) get the next pairs.
    Safe to share between threads.
    """

    def __init__(self, known: tuple[str, ...]) -> None:
        import threading

        self._given: dict[str, tuple[str, str]] = {k: category_mark(i) for i, k in enumerate(known)}
        self._lock = threading.Lock()

    def __call__(self, key: str) -> tuple[str, str]:
        with self._lock:
            mark = self._given.get(key)
            if mark is None:
                mark = category_mark(len(self._given))
                self._given[key] = mark
            return mark
